import pandas as pd
import torch


def impute_and_one_hot(data, target):
    inputs = data.drop(columns=[target])
    inputs = inputs.fillna(inputs.mean(numeric_only=True))
    inputs = pd.get_dummies(inputs)                # no <col>_nan column
    X = torch.tensor(inputs.to_numpy(dtype=float))
    y = torch.tensor(data[target].to_numpy(dtype=float))
    return X, y
