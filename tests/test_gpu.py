"""GPU grading: `--device cuda` grades on the device; without CUDA it exits 2 with a message."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, run_cli


def cuda_here() -> bool:
    from d2lkit.grading.devices import cuda_available

    return cuda_available()


def test_without_cuda_the_option_exits_2(workspace):
    if cuda_here():
        pytest.skip("this machine has CUDA")
    r = run_cli("check", "ch2.vector_norm", "--device", "cuda", cwd=workspace)
    assert r.returncode == 2
    assert "CUDA is not available" in r.stderr


def test_an_unknown_device_exits_2(workspace):
    r = run_cli("check", "ch2.vector_norm", "--device", "tpu", cwd=workspace)
    assert r.returncode == 2


def test_device_hint_is_given_for_a_cpu_result():
    from d2lkit.grading.results import Detail
    from d2lkit.grading.runner import device_hint
    from d2lkit.i18n import t

    d = device_hint(Detail("device", {"what": "output", "got": "cpu", "expected": "cuda:0"}), "cuda")
    assert d.key == "device-hint"
    assert "device=x.device" in t("detail.device-hint", "en", **d.params)
    d = device_hint(Detail("exception", {"type": "RuntimeError", "message":
                                         "Expected all tensors to be on the same device, but found "
                                         "at least two devices, cuda:0 and cpu!"}), "cuda")
    assert d.key == "device-error" and "x.device" in t("detail.device-error", "zh", **d.params)
    assert device_hint(Detail("device", {}), "cpu").key == "device"


@pytest.mark.skipif("not cuda_here()")
@pytest.mark.parametrize("chapter", [f"ch{n}" for n in range(2, 12)])
def test_reference_solutions_pass_on_cuda(chapter):
    r = run_cli("check", chapter, "--workspace", ROOT / "solutions", "--device", "cuda", "--json",
                timeout=900)
    out = json.loads(r.stdout)
    bad = [(x["id"], x["status"], x["message"]) for x in out["results"] if x["status"] != "passed"]
    assert r.returncode == 0 and not bad, bad


@pytest.mark.skipif("not cuda_here()")
def test_a_cpu_tensor_made_inside_fails_with_a_device_hint(workspace):
    (workspace / "ch02" / "norms.py").write_text(
        "import torch\n\ndef vector_norm(x, p=2.0):\n"
        "    a = torch.tensor(x.reshape(-1).abs().tolist(), dtype=x.dtype)\n"
        "    return a.max() if p == float('inf') else (a ** p).sum() ** (1.0 / p)\n")
    r = run_cli("check", "ch2.vector_norm", "--device", "cuda", "--json", cwd=workspace)
    [res] = json.loads(r.stdout)["results"]
    assert res["status"] == "failed" and "device" in res["message"], res
