"""Grader for 2.2 数据预处理 (Data Preprocessing): impute_and_one_hot.

A DataFrame is not plain data, so the table travels as CSV text and the probe builds the
DataFrame inside the child, with pandas, exactly as the book reads house_tiny.csv.
"""
import io

import pandas as pd
import torch

from d2lkit.grading.api import (expect, expect_close, expect_equal, grades, is_close, mistake_if,
                                mistake_on_error, probes_for, reference)

ref = reference(__file__)
probes = probes_for(__file__)

# the book's data/house_tiny.csv (2.2.1), verbatim
HOUSE_TINY = """NumRooms,Alley,Price
NA,Pave,127500
2,NA,106000
4,NA,178100
NA,NA,140000
"""

# target first, two numeric columns with gaps, two categorical columns with gaps
HOUSE_WIDER = """Price,NumRooms,Alley,Area,Roof
127500,NA,Pave,120.5,Tile
106000,2,NA,NA,Slate
178100,4,NA,88,NA
140000,NA,Grvl,101,Tile
99000,3,Pave,NA,Slate
"""


def run_impute(student, csv_text, target):
    # the two errors the book's own code hits on pandas >= 2 (CATALOGUE §5.12)
    with mistake_on_error("mean-of-strings", match="Cannot perform reduction 'mean'"), \
         mistake_on_error("bool-dummies", match="numpy.object_"):
        res = student.probe(probes.probe_impute, csv_text, target)
    expect(res["pair"], what="impute_and_one_hot(...) returns (X, y)", got=res.get("got"))
    return res


def expected_for(csv_text, target):
    return ref.impute_and_one_hot(pd.read_csv(io.StringIO(csv_text)), target)


def without_dummy_na(csv_text, target):
    """X as the book's code gives it without dummy_na=True: no `<col>_nan` columns."""
    data = pd.read_csv(io.StringIO(csv_text))
    inputs = data.drop(columns=[target])
    inputs = pd.get_dummies(inputs.fillna(inputs.mean(numeric_only=True)), dummy_na=False)
    return torch.tensor(inputs.to_numpy(dtype=float), dtype=torch.float64)


def diagnose_dummy_na(X, csv_text, target, expected_shape):
    no_na = without_dummy_na(csv_text, target)
    mistake_if(isinstance(X, torch.Tensor) and is_close(X.double().cpu(), no_na), "no-dummy-na",
               got=tuple(X.shape), expected=expected_shape, what="X.shape")


@grades("ch2.impute_and_one_hot", en="the book's house_tiny.csv", zh="书中的 house_tiny.csv")
def test_house_tiny(student):
    res = run_impute(student, HOUSE_TINY, "Price")
    X = res["X"]
    diagnose_dummy_na(X, HOUSE_TINY, "Price", (4, 3))
    # NumRooms (NaN -> mean 3), Alley_Pave, Alley_nan: the book's verified result
    X_book = torch.tensor([[3.0, 1, 0], [2, 0, 1], [4, 0, 1], [3, 0, 1]], dtype=torch.float64)
    expect_equal(X, X_book, what="X")
    expect_equal(res["y"], torch.tensor([127500.0, 106000, 178100, 140000], dtype=torch.float64),
                 what="y")


@grades("ch2.impute_and_one_hot",
        en="a wider table (target first, several columns with gaps); data not modified",
        zh="更宽的表格（标签在第一列，多列有缺失值）；不修改传入的 data")
def test_wider_table(student):
    res = run_impute(student, HOUSE_WIDER, "Price")
    X_exp, y_exp = expected_for(HOUSE_WIDER, "Price")
    X = res["X"]
    diagnose_dummy_na(X, HOUSE_WIDER, "Price", tuple(X_exp.shape))
    expect_close(X, X_exp, what="X")
    expect_close(res["y"], y_exp, what="y")
    expect(res["unchanged"], what="data unchanged after impute_and_one_hot(data, target)")

