"""Grader for 10.2 Nadaraya-Watson attention pooling."""
import pytest
import torch

from d2lkit.grading.api import (expect, expect_close, expect_tensors, FLOATS, grades, is_close,
                                mistake_if, on_cpu_call, record_heatmap)

EX = "ch10.nadaraya_watson"
NEAR = {"rtol": 1e-6, "atol": 1e-8}  # how close a wrong answer must come to a mistake's to name it



def _book_form(queries, keys, values, w, score=None):
    """The book's repeat_interleave form (10.2.3); `score` swaps in a mutated kernel."""
    n_q = queries.shape[0]
    keys = keys if keys.dim() == 2 else keys.unsqueeze(0).expand(n_q, -1)
    values = values if values.dim() == 2 else values.unsqueeze(0).expand(n_q, -1)
    q = queries.repeat_interleave(keys.shape[1]).reshape(-1, keys.shape[1])
    s = -((q - keys) * w) ** 2 / 2 if score is None else score(q, keys, w)
    weights = torch.softmax(s, dim=1)
    return (weights * values).sum(1), weights


def _diagnose(weights, queries, keys, values, w):
    """Name the catalogued mistake whose weights `weights` reproduces, if any."""
    right = _book_form(queries, keys, values, w)[1]
    if not isinstance(weights, torch.Tensor) or is_close(weights, right, **NEAR):
        return
    if keys.dim() == 1:
        cols = torch.softmax(-((queries[:, None] - keys[None, :]) * w) ** 2 / 2, dim=0)
        mistake_if(is_close(weights, cols, **NEAR), "softmax-over-queries")
    _, w_bad = _book_form(queries, keys, values, w, score=lambda q, k, w: -w * (q - k) ** 2 / 2)
    mistake_if(is_close(weights, w_bad, **NEAR), "w-outside-square")
    _, w_bad = _book_form(queries, keys, values, w, score=lambda q, k, w: -((q - k) * w) ** 2)
    mistake_if(is_close(weights, w_bad, **NEAR), "missing-half")


def _data(gen, dtype, n_q=5, n_k=8, keys_2d=False):
    queries = torch.rand(n_q, generator=gen, dtype=dtype) * 5
    shape = (n_q, n_k) if keys_2d else (n_k,)
    keys = torch.rand(shape, generator=gen, dtype=dtype) * 5
    values = torch.randn(shape, generator=gen, dtype=dtype)
    return queries, keys, values


@grades(EX, en="weights are a softmax over the keys (rows sum to 1)", zh="权重沿键的方向做 softmax（每行之和为 1）")
def test_softmax_over_keys(student, gen):
    queries, keys, values = _data(gen, torch.float64, n_q=4, n_k=7)
    got = on_cpu_call(student, "nadaraya_watson", queries, keys, values)
    y, weights = expect_tensors(got, 2, "nadaraya_watson(...)")
    expect(tuple(weights.shape) == (4, 7), what="weights.shape", expected=(4, 7), got=tuple(weights.shape))
    _, w_ref = _book_form(queries, keys, values, 1.0)
    record_heatmap(student, weights, w_ref)  # (queries, keys), as the book's show_heatmaps
    _diagnose(weights, queries, keys, values, 1.0)
    expect_close(weights.sum(1), torch.ones(4, dtype=torch.float64), what="weights.sum(1)")
    expect_close(weights, w_ref, what="weights")


@grades(EX, en="the kernel halves the squared distance", zh="高斯核中平方距离要除以 2")
def test_half(student, gen):
    queries, keys, values = _data(gen, torch.float64)
    got = on_cpu_call(student, "nadaraya_watson", queries, keys, values, 1.0)
    y, weights = expect_tensors(got, 2, "nadaraya_watson(...)")
    _diagnose(weights, queries, keys, values, 1.0)
    y_ref, w_ref = _book_form(queries, keys, values, 1.0)
    expect_close(weights, w_ref, what="weights")
    expect_close(y, y_ref, what="y_hat")


@grades(EX, en="w scales the distance before squaring (w = 2.5)", zh="w 在平方之前乘到距离上（w = 2.5）")
def test_w_inside_square(student, gen):
    queries, keys, values = _data(gen, torch.float64)
    got = on_cpu_call(student, "nadaraya_watson", queries, keys, values, 2.5)
    y, weights = expect_tensors(got, 2, "nadaraya_watson(...)")
    _diagnose(weights, queries, keys, values, 2.5)
    y_ref, w_ref = _book_form(queries, keys, values, 2.5)
    expect_close(weights, w_ref, what="weights")
    expect_close(y, y_ref, what="y_hat")


@grades(EX, en="matches the book's repeat_interleave form", zh="与书中 repeat_interleave 写法的结果一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_matches_book(student, gen, dtype, device):
    queries, keys, values = _data(gen, dtype, n_q=6, n_k=9)
    w = 1.7
    y_ref, w_ref = _book_form(queries, keys, values, w)
    got = student.call("nadaraya_watson", queries.to(device), keys.to(device), values.to(device), w)
    y, weights = expect_tensors(got, 2, "nadaraya_watson(...)")
    _diagnose(weights.cpu(), queries, keys, values, w)
    expect_close(y, y_ref.to(device), what="y_hat")
    expect_close(weights, w_ref.to(device), what="weights")


@grades(EX, en="2-D keys and values, tensor w (10.2.4)", zh="二维的键和值、张量形式的 w（10.2.4）")
@pytest.mark.parametrize("dtype", FLOATS)
def test_2d_keys(student, gen, dtype, device):
    queries, keys, values = _data(gen, dtype, n_q=5, n_k=4, keys_2d=True)
    w = torch.tensor(0.8, dtype=dtype)
    y_ref, w_ref = _book_form(queries, keys, values, w)
    got = student.call("nadaraya_watson", queries.to(device), keys.to(device), values.to(device),
                       w.to(device))
    y, weights = expect_tensors(got, 2, "nadaraya_watson(...)")
    _diagnose(weights.cpu(), queries, keys, values, w)
    expect_close(y, y_ref.to(device), what="y_hat")
    expect_close(weights, w_ref.to(device), what="weights")


# ------------------------------------------------------------------------------ nw_max_weight (stretch)
NWM = "ch10.nw_max_weight"
NWM_FIXTURE = {1.0: 0.07968882801431566, 3.0: 0.23668759854473337}   # on nw_fixture(), float64


def _nwm_expected(w, x_train, x_test, dim=1, outside=False):
    d = x_test[:, None] - x_train[None, :]
    scores = -w * d ** 2 / 2 if outside else -(d * w) ** 2 / 2
    return torch.softmax(scores, dim=dim).max()


def _nwm_random(gen, dtype=torch.float64, device="cpu"):
    x_train, _ = torch.sort(5 * torch.rand(9, generator=gen, dtype=dtype))
    x_test = 5 * torch.rand(6, generator=gen, dtype=dtype)
    return x_train.to(device), x_test.to(device)


def _nwm_diagnose(student, got, w, x_train, x_test, what):
    """Name the catalogued mistake whose value `got` reproduces, if any."""
    expected = _nwm_expected(w, x_train, x_test).cpu()
    got = got.cpu()
    if is_close(got, expected, **NEAR):
        return
    mistake_if(is_close(got, _nwm_expected(w, x_train, x_test, dim=0).cpu(), **NEAR), "softmax-over-queries",
               what=what, got=got, expected=expected)
    if is_close(got, _nwm_expected(w, x_train, x_test, outside=True).cpu(), **NEAR):
        # −w d²/2 equals −c (w d)² at w = 1 / (2c): proven when another w gives it too
        w2 = 5.0 if w != 5.0 else 0.7
        other = student.call("nw_max_weight", w2, x_train, x_test)
        mistake_if(isinstance(other, torch.Tensor) and other.dim() == 0
                   and is_close(other.cpu(), _nwm_expected(w2, x_train, x_test, outside=True).cpu(), **NEAR),
                   "w-outside-square", what=what, got=got, expected=expected)


def _scalar(got, what):
    expect(isinstance(got, torch.Tensor) and got.dim() == 0, what=what, expected="a 0-d tensor", got=got)
    return got


@grades(NWM, en="the softmax runs over the training inputs (keys)", zh="softmax 沿训练输入（键）进行")
def test_nwm_over_keys(student, gen, device):
    x_train, x_test = _nwm_random(gen, device=device)
    got = _scalar(student.call("nw_max_weight", 2.0, x_train, x_test), "nw_max_weight(2.0, x_train, x_test)")
    _nwm_diagnose(student, got, 2.0, x_train, x_test, "nw_max_weight(2.0, x_train, x_test)")
    expect_close(got, _nwm_expected(2.0, x_train, x_test), what="nw_max_weight(2.0, x_train, x_test)")


@grades(NWM, en="w multiplies the distance before squaring", zh="w 先乘距离再平方")
def test_nwm_w_inside(student, gen, device):
    x_train, x_test = _nwm_random(gen, device=device)
    got = _scalar(student.call("nw_max_weight", 3.0, x_train, x_test), "nw_max_weight(3.0, x_train, x_test)")
    _nwm_diagnose(student, got, 3.0, x_train, x_test, "nw_max_weight(3.0, x_train, x_test)")
    expect_close(got, _nwm_expected(3.0, x_train, x_test), what="nw_max_weight(3.0, x_train, x_test)")


@grades(NWM, en="the fixture: 0.0797 at w = 1, 0.2367 at w = 3 (the book: 0.076 and 0.225)",
        zh="固定样本：w = 1 时 0.0797，w = 3 时 0.2367（书中为 0.076 和 0.225）")
def test_nwm_fixture(student):
    for w, value in NWM_FIXTURE.items():
        got = _scalar(on_cpu_call(student, "nw_max_weight", w), f"nw_max_weight({w})")
        expect_close(got, torch.tensor(value, dtype=torch.float64), rtol=1e-6, what=f"nw_max_weight({w})")


@grades(NWM, en="a larger w gives sharper weights (the max weight grows)", zh="w 越大权重越尖锐（最大权重变大）")
def test_nwm_monotone(student):
    ws = [0.5, 1.0, 2.0, 3.0, 5.0]
    got = [float(_scalar(on_cpu_call(student, "nw_max_weight", w), f"nw_max_weight({w})")) for w in ws]
    expect(all(a < b for a, b in zip(got, got[1:])), what=f"nw_max_weight(w) for w in {ws}",
           expected="strictly increasing", got=[round(v, 4) for v in got])


@grades(NWM, en="random data match the reference", zh="随机数据与参考实现一致")
@pytest.mark.parametrize("dtype", FLOATS)
def test_nwm_random(student, gen, dtype, device):
    for w in (0.7, 1.0, 4.0):
        x_train, x_test = _nwm_random(gen, dtype, device)
        got = _scalar(student.call("nw_max_weight", w, x_train, x_test), f"nw_max_weight({w}, x_train, x_test)")
        expect_close(got, _nwm_expected(w, x_train, x_test), what=f"nw_max_weight({w}, x_train, x_test)")
