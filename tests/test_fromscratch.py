""""From scratch" at PyTorch's dispatcher, not by name (issue #10, point 5).

Each hostile case is a learner module graded in a real sandbox child with the catalogue's forbid
list of the exercise (ch3.softmax, ch3.cross_entropy, ch10.dot_product_attention) and must end
`forbidden`. Its positive control runs the same code with an empty forbid list and must return the
right value: "held" then means the guard stopped it, not that the attack was broken. A
from-scratch solution still passes; the static scan reads helpers too; `d2lkit grade` flags a
submission that uses guard-switching machinery, from its own scan of the source.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import replace

import pytest
import torch

from conftest import ROOT, run_cli
from d2lkit import catalogue
from d2lkit.grading.child import ENTRY
from d2lkit.grading.errors import Forbidden
from d2lkit.grading.sandbox import Sandbox
from d2lkit.grading.student import SandboxStudent
from d2lkit.grading.tripwire import machinery, scan

X = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
SOFTMAX = torch.softmax(X, 1)
Y_HAT = SOFTMAX
LABELS = torch.tensor([2, 0])
LOSSES = -torch.log(Y_HAT[torch.arange(2), LABELS])


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(ENTRY) as sb:
        yield sb


def learner(tmp_path, sandbox, exercise_id: str, body: str, *, control: bool, **kwargs):
    """A child for `f` in the exercise's topic file: with the exercise's forbid list, or as the
    positive control with none, no audit hook and no confinement. kwargs go to SandboxStudent."""
    ex = catalogue.load().by_id[exercise_id]
    ex = replace(ex, functions=("f",), forbid=() if control else ex.forbid)
    if control:  # unconfined too: torch._refs writes a cache folder the sandbox would refuse
        kwargs.update(audit=False, confine=False)
    ws = tmp_path / ("control" if control else "guarded")
    (ws / ex.relpath).parent.mkdir(parents=True, exist_ok=True)
    (ws / ex.relpath).write_text(textwrap.dedent(body))
    return SandboxStudent(ex, ws, sandbox, 10.0, **kwargs)


def held(tmp_path, sandbox, exercise_id, body, args, expected, **kwargs):
    """The hostile call is forbidden; without a forbid list the same code computes `expected`."""
    st = learner(tmp_path, sandbox, exercise_id, body, control=True, **kwargs)
    try:
        assert torch.allclose(st.call("f", *args), expected), "the attack itself is broken"
    finally:
        st.close()
    st = learner(tmp_path, sandbox, exercise_id, body, control=False, **kwargs)
    try:
        with pytest.raises(Forbidden) as e:
            st.call("f", *args)
    finally:
        st.close()
    return e.value.name


SOFTMAX_ALIASES = {
    "unwrapped": """
        import torch
        def f(X):
            fn = getattr(torch, "soft" + "max")
            return getattr(fn, "__wrapped__", fn)(X, 1)
        """,
    "private": "import torch\ndef f(X):\n    return torch._softmax(X, 1, False)\n",
    "torch.ops": "import torch\ndef f(X):\n    return torch.ops.aten._softmax(X, 1, False)\n",
    "out= overload": """
        import torch
        def f(X):
            out = torch.empty_like(X)
            torch.ops.aten._softmax.out(X, 1, False, out=out)
            return out
        """,
    "_VariableFunctions": "import torch\ndef f(X):\n    return torch._C._VariableFunctions.softmax(X, 1)\n",
    "TensorBase": "import torch\ndef f(X):\n    return torch._C.TensorBase.softmax(X, 1)\n",
    "_refs": "import torch._refs\ndef f(X):\n    return torch._refs.softmax(X, 1)\n",
    "_refs logsumexp": """
        import torch._refs
        def f(X):
            return (X - torch._refs.logsumexp(X, 1, keepdim=True)).exp()
        """,
    "_decomp table": """
        import torch, torch._decomp
        def f(X):
            return torch._decomp.decomposition_table[torch.ops.aten._softmax.default](X, 1, False)
        """,
    "logcumsumexp": """
        import torch
        def f(X):
            return (X - torch.logcumsumexp(X, 1)[:, -1:]).exp()
        """,
    "_safe_softmax": "import torch\ndef f(X):\n    return torch._safe_softmax(X, 1)\n",
    "thread pool": """
        import concurrent.futures, torch
        def f(X):
            with concurrent.futures.ThreadPoolExecutor() as pool:
                return pool.submit(torch.softmax, X, 1).result()
        """,
    "inference mode": """
        import torch
        def f(X):
            with torch.inference_mode():
                return torch.softmax(X, 1).clone()
        """,
    "swallowed": """
        import torch
        def f(X):
            try:
                torch.softmax(X, 1)
            except BaseException:
                pass
            return torch.exp(X) / torch.exp(X).sum(1, keepdim=True)
        """,
    "co_filename replaced": """
        import torch, types
        def g(X):
            return torch.softmax(X, 1)
        def f(X):
            code = g.__code__.replace(co_filename=torch.__file__)
            return types.FunctionType(code, globals())(X)
        """,
    "foreign filename": """
        import torch
        def f(X):
            scope = {"torch": torch}
            exec(compile("def g(X):\\n    return torch.softmax(X, 1)\\n", torch.__file__, "exec"), scope)
            return scope["g"](X)
        """,
}


@pytest.mark.parametrize("case", list(SOFTMAX_ALIASES))
def test_every_alias_of_softmax_is_forbidden(tmp_path, sandbox, case):
    name = held(tmp_path, sandbox, "ch3.softmax", SOFTMAX_ALIASES[case], (X,), SOFTMAX)
    assert name  # what the learner is told they called


def test_the_dispatcher_holds_where_frames_lie(tmp_path, sandbox):
    """Without the audit hook (no compile refusal), code compiled under torch's own file name
    still reaches the operator, and the dispatcher does not look at frames."""
    body = SOFTMAX_ALIASES["foreign filename"]
    name = held(tmp_path, sandbox, "ch3.softmax", body, (X,), SOFTMAX, audit=False)
    assert "aten::_softmax" in name


def test_nll_loss_by_its_private_name_is_forbidden(tmp_path, sandbox):
    body = """
        import torch
        def f(y_hat, y):
            return torch._C._nn.nll_loss(y_hat.log(), y, None, 0, -100)
        """
    held(tmp_path, sandbox, "ch3.cross_entropy", body, (Y_HAT, LABELS), LOSSES)


def test_what_the_exercise_allows_is_not_forbidden_by_an_operator_it_shares(tmp_path, sandbox):
    """ch3.cross_entropy forbids F.cross_entropy (log_softmax then nll_loss), not log_softmax."""
    body = """
        import torch
        def f(y_hat, y):
            return -torch.log_softmax(y_hat.log(), 1)[torch.arange(len(y)), y]
        """
    st = learner(tmp_path, sandbox, "ch3.cross_entropy", body, control=False)
    assert torch.allclose(st.call("f", Y_HAT, LABELS), LOSSES)
    st.close()


def test_scaled_dot_product_attention_by_a_private_name_is_forbidden(tmp_path, sandbox):
    q = torch.linspace(-1, 1, 2 * 3 * 4).reshape(2, 3, 4)
    expected = torch.softmax(q @ q.transpose(1, 2) / 2, -1) @ q
    body = """
        import torch
        def f(q):
            return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q[None], q[None], q[None])[0][0]
        """
    held(tmp_path, sandbox, "ch10.dot_product_attention", body, (q,), expected)


def test_a_from_scratch_softmax_passes_under_the_guard(tmp_path, sandbox):
    body = """
        import torch
        def f(X):
            E = torch.exp(X - X.max(dim=1, keepdim=True).values)
            return E / E.sum(dim=1, keepdim=True)
        """
    st = learner(tmp_path, sandbox, "ch3.softmax", body, control=False)
    assert torch.allclose(st.call("f", X), SOFTMAX)
    st.close()


# ------------------------------------------------------------------------------ tampering
TAMPER = {
    "gc": """
        import gc, torch
        def f(X):
            for obj in gc.get_objects():
                if type(obj).__name__ == "Tripwire":
                    obj.uninstall()
            return torch.softmax(X, 1)
        """,
    "sys.modules": """
        import sys, torch
        def f(X):
            tw = sys.modules.get("d2lkit.grading.tripwire")
            if tw is not None:
                tw._library("aten").reset()
            return torch.softmax(X, 1)
        """,
    "builtins.__import__": """
        import builtins, torch
        def f(X):
            try:
                tw = builtins.__import__("d2lkit.grading.tripwire", fromlist=["_library"])
                tw._library("aten").reset()
            except ModuleNotFoundError:  # the control: no guard was ever made
                pass
            return torch.softmax(X, 1)
        """,
    "importlib": """
        import importlib, torch
        def f(X):
            tw = importlib.import_module("d2lkit.grading.tripwire")
            tw._DISPATCH[0].clear()  # what this child forbids at the dispatcher
            return torch.softmax(X, 1)
        """,
    "in-place guard rewired": """
        import sys, torch, torch._refs
        def f(X):
            session = sys.modules["d2lkit.grading.tripwire"]._SESSION
            session[0] = lambda: False  # "no learner code is calling"
            return (X - torch._refs.logsumexp(X, 1, keepdim=True)).exp()
        """,
    "kernel overridden": """
        import torch
        def passthrough(keyset, *args, **kwargs):
            below = keyset.remove(torch._C.DispatchKey.BackendSelect)
            return torch.ops.aten._softmax.default.redispatch(below, *args, **kwargs)
        LIB = torch._C._dispatch_library("IMPL", "aten", "", "mine", 0)
        def f(X):
            LIB.impl("aten::_softmax", "BackendSelect", passthrough, True)
            return torch.softmax(X, 1)
        """,
    "record cleared": """
        import sys, torch
        def f(X):
            try:
                torch.softmax(X, 1)
            except BaseException:
                session = sys._getframe(1).f_locals.get("self")
                if session is not None:
                    session.tripwire.tripped.clear()
            return torch.exp(X) / torch.exp(X).sum(1, keepdim=True)
        """,
    "code swapped back": """
        import torch, torch._refs
        def f(X):
            g = torch._refs.logsumexp
            code = g.__code__  # a guarded function's code holds its original
            return (X - g(X, 1, keepdim=True)).exp()
        """,
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_tampering_with_the_guard_is_forbidden(tmp_path, sandbox, case):
    held(tmp_path, sandbox, "ch3.softmax", TAMPER[case], (X,), SOFTMAX)


def test_the_operators_are_traced_and_the_building_blocks_never_guarded():
    from d2lkit.grading.tripwire import Operators, operators

    cat = catalogue.load()
    lists = list(dict.fromkeys(ex.forbid for ex in cat.exercises if ex.forbid))
    fresh = Operators().build(lists)  # traced here, not read from the zygote's cache
    for forbid in lists:
        assert fresh.for_forbid(forbid) == operators().for_forbid(forbid)
    softmax = {o.partition(".")[0] for o in fresh.for_forbid(cat.by_id["ch3.softmax"].forbid)}
    assert {"aten::_softmax", "aten::_log_softmax", "aten::logsumexp", "aten::logcumsumexp",
            "aten::_safe_softmax"} <= softmax
    assert not softmax & {"aten::exp", "aten::sum", "aten::amax", "aten::max", "aten::sub",
                          "aten::div", "aten::mm", "aten::gather", "aten::index"}
    # ch3.cross_entropy forbids nll_loss; log_softmax, which F.cross_entropy also reaches, is allowed
    ce = {o.partition(".")[0] for o in fresh.for_forbid(cat.by_id["ch3.cross_entropy"].forbid)}
    assert ce == {"aten::nll_loss_forward"}
    # the backward of a slice calls aten::as_strided: never guarded, though a list names it
    as_matmul = fresh.for_forbid(cat.by_id["ch6.corr2d_as_matmul"].forbid)
    assert not any(o.startswith("aten::as_strided") for o in as_matmul)


# ------------------------------------------------------------------------------ static scans
MODULE_WITH_HELPER = """
import torch
import torch.nn.functional as F

def _normalise(X):
    return F.softmax(X, dim=1)

def softmax(X):
    return _normalise(X)
"""


def test_the_static_scan_reads_the_helpers_an_exercise_reaches():
    forbid = catalogue.load().by_id["ch3.softmax"].forbid
    found = scan(MODULE_WITH_HELPER, "m.py", ("softmax",), forbid)
    assert [(v.name, v.line) for v in found] == [("torch.nn.functional.softmax", 6)]
    # a sibling exercise's function the exercise never reaches is not its business
    assert scan(MODULE_WITH_HELPER, "m.py", ("unrelated",), forbid) == []
    # nor is a constant getattr a way around it
    sneaky = "import torch\ndef softmax(X):\n    return getattr(torch, 'softmax')(X, 1)\n"
    assert [v.name for v in scan(sneaky, "m.py", ("softmax",), forbid)] == ["torch.softmax"]


def test_machinery_is_found_anywhere_in_a_module():
    src = textwrap.dedent("""
        import torch, gc
        from importlib import import_module

        def helper(X):
            return getattr(torch, "soft" + "max")(X, 1)

        def softmax(X):
            return torch.ops.aten._softmax(X, 1, False).__wrapped__
        """)
    found = {m.what for m in machinery(src)}
    assert {"gc", "importlib", "torch.ops", "__wrapped__", "getattr(torch, <computed>)"} <= found
    for path in sorted((ROOT / "solutions").glob("ch*/*.py")):  # no reference is ever flagged
        assert machinery(path.read_text("utf-8"), str(path)) == [], path


def test_check_reports_a_helper_using_a_forbidden_name(tmp_path, workspace):
    (workspace / "ch03" / "softmax_scratch.py").write_text(MODULE_WITH_HELPER)
    result = run_cli("check", "ch3.softmax", "--json", "--workspace", workspace)
    (r,) = json.loads(result.stdout)["results"]
    assert r["status"] == "forbidden" and "line 6" in r["message"]


def test_grade_flags_guard_machinery_for_the_instructor(tmp_path):
    subs = tmp_path / "subs"
    clean, sneaky, tamper = subs / "clean", subs / "sneaky", subs / "tamper"
    for ws in (clean, sneaky, tamper):
        (ws / "ch03").mkdir(parents=True)
        (ws / "d2lkit.toml").write_text("[workspace]\n")
        shutil.copy(ROOT / "solutions" / "ch03" / "softmax_scratch.py", ws / "ch03")
    # still a from-scratch softmax, and it passes: the flag is for the instructor to look at
    with open(sneaky / "ch03" / "softmax_scratch.py", "a") as f:
        f.write("\nimport gc\n_unused = gc.isenabled\n")
    with open(tamper / "ch03" / "softmax_scratch.py", "a") as f:  # later definitions win
        f.write("\nimport gc as _gc\ndef softmax(X):\n    _gc.get_objects()\n"
                "    return X.exp() / X.exp().sum(1, keepdim=True)\n")
    result = run_cli("grade", subs, "--target", "ch3.softmax", "--format", "json")
    assert result.returncode == 0, result.stderr
    by_name = {s["submission"]: s for s in json.loads(result.stdout)["submissions"]}
    assert by_name["clean"]["flags"] == []
    assert by_name["sneaky"]["results"][0]["status"] == "passed"
    flags = by_name["sneaky"]["flags"]
    assert flags and all(f["what"] == "gc" and f["file"] == "ch03/softmax_scratch.py" and f["line"]
                         for f in flags)
    # what the child reported adds a flag: forbidden at runtime, and flagged by the scan too
    assert by_name["tamper"]["results"][0]["status"] == "forbidden"
    seen = {(f["what"], f["seen"]) for f in by_name["tamper"]["flags"]}
    assert ("gc", "scan") in seen and ("gc.get_objects", "run") in seen
    table = run_cli("grade", subs, "--target", "ch3.softmax")
    assert "gc" in table.stdout and "ch03/softmax_scratch.py" in table.stdout


def test_importing_the_kit_is_refused_everywhere_and_not_called_from_scratch(tmp_path):
    """d2l and d2lkit are refused in every exercise (they hold the answers); the message must not
    claim that an exercise which forbids nothing is 'from scratch'."""
    from d2lkit import catalogue
    from d2lkit.grading.precheck import precheck
    from d2lkit.output.messages import detail_text

    ex = catalogue.load().by_id["ch2.vector_norm"]
    path = tmp_path / "norms.py"
    path.write_text("from d2lkit.grading import api\n\ndef vector_norm(x, p=2.0):\n    return x\n")
    decided, _ = precheck(ex, path, untouched_stubs=False)
    assert decided is not None and decided.detail.key == "never-allowed"
    text = detail_text(decided.detail, "en")
    assert "d2lkit" in text and "from scratch" not in text


@pytest.mark.slow
def test_a_hidden_import_of_the_kit_is_refused_at_run_time_with_the_same_words(tmp_path):
    from d2lkit import catalogue
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.grading.protocol import Status
    from d2lkit.output.messages import detail_text

    ws = tmp_path / "ws"
    (ws / "ch02").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "ch02" / "norms.py", ws / "ch02" / "norms.py")
    module = ws / "ch02" / "norms.py"
    module.write_text(module.read_text() + "\n\n_kit = __import__('d2l' + 'kit')\n")
    with Engine(Options(seed=1)) as engine:
        [r] = engine.grade([catalogue.load().by_id["ch2.vector_norm"]], ws)
    assert r.status is Status.FORBIDDEN and r.detail.key == "never-allowed-import", r
    assert "from scratch" not in detail_text(r.detail, "en")
