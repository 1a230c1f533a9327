"""Grader for 5.5 file I/O (stretch): copy_first_layers."""
import pytest
import torch

from d2lkit.grading.api import expect, expect_equal, grades, mistake_if, probes_for, reference

ref = reference(__file__)
probes = probes_for(__file__)


def _layer(key):
    return int(key.split(".", 1)[0])


def _equal_dicts(a, b, keys):
    return all(torch.equal(a[k], b[k]) for k in keys)


@grades("ch5.copy_first_layers", en="copies in place into dst and returns it",
        zh="原地复制到 dst 中并返回它")
def test_copy_returns_dst(student):
    got = student.probe(probes.probe_copy_first_layers, 2, False)
    expect(got["returns_dst"], what="copy_first_layers(src, dst, n) is dst", expected=True, got=False)


@grades("ch5.copy_first_layers", en="dst keeps its own copies: training src does not change dst",
        zh="dst 持有自己的副本：继续训练 src 不会改变 dst")
def test_copy_not_shared(student):
    got = student.probe(probes.probe_copy_first_layers, 3, False)
    changed = [k for k in got["dst_after"] if not torch.equal(got["dst_after"][k], got["dst_later"][k])]
    mistake_if(changed, "shares-modules", what="dst after training src further",
               got=f"changed: {changed}", expected="unchanged")


@grades("ch5.copy_first_layers", en="only the first n children are copied, the rest of dst is kept",
        zh="只复制前 n 个子模块，dst 的其余部分保持不变")
@pytest.mark.parametrize("n,with_bn", [(3, False), (2, True), (4, True)])
def test_copy_first_n(student, n, with_bn):
    got = student.probe(probes.probe_copy_first_layers, n, with_bn)
    keys = list(got["dst_before"])
    expect_equal(sorted(got["dst_after"]), sorted(keys), what="dst.state_dict() keys")
    rest = [k for k in keys if _layer(k) >= n]
    first = [k for k in keys if _layer(k) < n]
    mistake_if(rest and _equal_dicts(got["dst_after"], got["src_before"], rest)
               and not _equal_dicts(got["dst_after"], got["dst_before"], rest), "copies-all-layers",
               what=f"dst layers from position {n} on", expected="dst's own values", got="src's values")
    for k in first:
        expect_equal(got["dst_after"][k], got["src_before"][k], what=f"dst.state_dict()['{k}']")
    for k in rest:
        expect_equal(got["dst_after"][k], got["dst_before"][k], what=f"dst.state_dict()['{k}']")
    for k in keys:
        expect_equal(got["src_after"][k], got["src_before"][k], what=f"src.state_dict()['{k}']")
    changed = [k for k in keys if not torch.equal(got["dst_after"][k], got["dst_later"][k])]
    mistake_if(changed, "shares-modules", what="dst after training src further",
               got=f"changed: {changed}", expected="unchanged")
