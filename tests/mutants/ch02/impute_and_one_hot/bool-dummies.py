import pandas as pd
import torch


def impute_and_one_hot(data, target):
    inputs = data.drop(columns=[target])
    inputs = inputs.fillna(inputs.mean(numeric_only=True))
    inputs = pd.get_dummies(inputs, dummy_na=True)
    X = torch.tensor(inputs.values)                # bool + float columns: an object array
    y = torch.tensor(data[target].values, dtype=torch.float64)
    return X, y
