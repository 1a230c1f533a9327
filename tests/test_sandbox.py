"""Learner code runs in throwaway children: hangs, crashes and exits become results."""

import os
import signal
import textwrap
import time
from dataclasses import replace

from pathlib import Path

import pytest
import torch

from d2lkit.catalogue import Exercise
from d2lkit.grading.errors import (Forbidden, LearnerCrashed, LearnerError, LearnerTimeout,
                                   NotImplementedYet)
from d2lkit.grading.child import ENTRY
from d2lkit.grading.sandbox import Sandbox
from d2lkit.grading.student import InProcessStudent, SandboxStudent

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(ENTRY) as sb:
        yield sb


def exercise(name="f", forbid=()):
    return Exercise(id=f"ch2.{name}", chapter=2, topic="mod", section="2.1", title={"en": "", "zh": ""},
                    points=1, functions=(name,), forbid=tuple(forbid), hints=(), mistakes=())


def student_for(tmp_path, sandbox, source, name="f", forbid=(), timeout=3.0):
    (tmp_path / "ch02").mkdir(exist_ok=True)
    (tmp_path / "ch02" / "mod.py").write_text(textwrap.dedent(source))
    return SandboxStudent(exercise(name, forbid), tmp_path, sandbox, timeout=timeout)


def test_a_correct_function_returns_data(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "import torch\ndef f(x):\n    return x * 2\n")
    assert torch.equal(st.call("f", torch.arange(3.0)), torch.tensor([0.0, 2.0, 4.0]))


def test_the_stub_is_not_implemented(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def f(x):\n    raise NotImplementedError\n")
    with pytest.raises(NotImplementedYet):
        st.call("f", 1)


def test_an_infinite_loop_times_out_and_the_child_is_gone(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, """
        import os
        def f(x):
            print(os.getpid(), flush=True)  # the child may write nowhere but its scratch folder
            while True:
                pass
    """, timeout=1.0)
    start = time.monotonic()
    with pytest.raises(LearnerTimeout):
        st.call("f", 0)
    assert time.monotonic() - start < 4
    pid = int("".join(st.outputs).split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_catching_baseexception_does_not_survive_the_timeout(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        def f(x):
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
    """, timeout=1.0)
    with pytest.raises(LearnerTimeout):
        st.call("f", 1)


@pytest.mark.parametrize("body,error", [
    ("import os\n    os._exit(0)", LearnerCrashed),
    ("import sys\n    sys.exit(0)", LearnerCrashed),
    ("import ctypes\n    ctypes.string_at(0)", LearnerCrashed),  # a segfault
    ("raise ValueError('boom')", LearnerError),
])
def test_crashes_and_exits_are_results(tmp_path, sandbox, body, error):
    st = student_for(tmp_path, sandbox, f"def f(x):\n    {body}\n")
    with pytest.raises(error):
        st.call("f", 1)
    # and the sandbox still works afterwards
    ok = student_for(tmp_path, sandbox, "def f(x):\n    return x + 1\n")
    assert ok.call("f", 1) == 2


def test_exit_at_import_is_a_crash(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "import os\nos._exit(3)\ndef f(x):\n    return x\n")
    with pytest.raises(LearnerCrashed) as e:
        st.call("f", 1)
    assert e.value.detail.params["code"] == 3


def test_an_exception_shows_only_the_learners_frames(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def helper(x):\n    return 1 / 0\n\ndef f(x):\n    return helper(x)\n")
    with pytest.raises(LearnerError) as e:
        st.call("f", 1)
    frames = e.value.detail.params["frames"]
    assert [fr["function"] for fr in frames] == ["f", "helper"]
    assert all(fr["file"].endswith("mod.py") for fr in frames)
    assert e.value.type == "ZeroDivisionError"


def test_a_syntax_error_names_file_and_line(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def f(x):\n    return (x +\n\ndef g(): pass\n")
    with pytest.raises(LearnerError) as e:
        st.call("f", 1)
    assert e.value.detail.key == "syntax"
    assert e.value.detail.params["file"].endswith("mod.py") and e.value.detail.params["line"] >= 2


def test_a_missing_function_and_a_wrong_signature(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def g(x):\n    return x\n")
    with pytest.raises(LearnerError) as e:
        st.call("f", 1)
    assert e.value.detail.key == "missing"
    st = student_for(tmp_path, sandbox, "def f(x, y):\n    return x\n")
    with pytest.raises(LearnerError) as e:
        st.call("f", 1)
    assert e.value.detail.key == "signature" and "f(x, y)" in e.value.detail.params["got"]


def test_output_is_captured_and_capped(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def f(x):\n    print('PASSED ' * 100000)\n    return x\n")
    assert st.call("f", 5) == 5
    assert st.outputs and 0 < len(st.outputs[0]) <= 64 * 1024


def test_input_mutation_is_caught(tmp_path, sandbox):
    from d2lkit.grading.errors import CheckFailed

    st = student_for(tmp_path, sandbox, "def f(x):\n    x += 1\n    return x\n")
    with pytest.raises(CheckFailed) as e:
        st.call("f", torch.zeros(3))
    assert e.value.mistake == "input-mutated"
    assert torch.equal(st.call("f", torch.zeros(3), mutates=True), torch.ones(3))


def test_forbidden_calls_trip_only_inside_learner_code(tmp_path, sandbox):
    src = "import torch.nn.functional as F\ndef f(x):\n    return F.softmax(x, dim=0)\n"
    st = student_for(tmp_path, sandbox, src, forbid=["torch.nn.functional.softmax"])
    with pytest.raises(Forbidden) as e:
        st.call("f", torch.zeros(3))
    assert e.value.name == "torch.nn.functional.softmax"
    # a Tensor method, hidden behind a try/except Exception, is still seen
    src = "def f(x):\n    try:\n        return x.softmax(0)\n    except Exception:\n        return x\n"
    st = student_for(tmp_path, sandbox, src, forbid=["torch.Tensor.softmax"])
    with pytest.raises(Forbidden):
        st.call("f", torch.zeros(3))


def test_learner_cannot_import_the_kit(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, "def f(x):\n    import d2lkit.grading.api\n    return x\n")
    with pytest.raises(Forbidden):
        st.call("f", 1)


def test_monkeypatching_torch_in_the_child_cannot_touch_the_supervisor(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, """
        import torch
        torch.allclose = lambda *a, **k: True
        torch.Tensor.__eq__ = lambda self, other: True
        def f(x):
            return x
    """)
    st.call("f", 1)
    assert not torch.allclose(torch.zeros(2), torch.ones(2))
    assert not bool((torch.zeros(2) == torch.ones(2)).any())


def test_background_processes_in_a_new_session_are_killed(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, """
        import os, time
        STARTED = []
        def f(x):
            if not STARTED:  # once: the engine calls f twice to see that it repeats itself
                pid = os.fork()
                if pid == 0:
                    os.setsid()
                    time.sleep(60)
                    os._exit(0)
                STARTED.append(pid)
            return STARTED[0]
    """)
    pid = st.call("f", 0)
    os.kill(pid, 0)  # alive while the exercise's child serves calls
    st.close()  # the exercise is graded: its child ends, and everything it started with it
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_one_child_serves_every_call_of_an_exercise_and_each_call_starts_fresh(tmp_path, sandbox):
    st = student_for(tmp_path, sandbox, """
        import os, torch
        IMPORTS = []
        IMPORTS.append(1)
        def f(x):
            torch.set_default_dtype(torch.float64)   # global state the next call must not see
            return [os.getpid(), len(IMPORTS), float(torch.rand(1)), str(torch.get_default_dtype())]
    """)
    # mutates=True: a changed default dtype is otherwise the learner's mistake ("left behind")
    first, second = st.call("f", 0, mutates=True), st.call("f", 0, mutates=True)
    assert first[0] == second[0]  # the same child
    assert first[1] == second[1] == 1  # the module was imported once
    assert first[2] == second[2]  # each call starts from the same RNG state
    assert first[3] == second[3] == "torch.float64"  # set inside, reset before the next call
    st.close()
    other = student_for(tmp_path, sandbox, "import os\ndef f(x):\n    return os.getpid()\n")
    assert other.call("f", 0) != first[0]  # another exercise, another child


def test_in_process_transport_runs_the_same_api():
    def f(x):
        return x * 3

    st = InProcessStudent(exercise(), {"f": f})
    assert torch.equal(st.call("f", torch.ones(2)), torch.full((2,), 3.0))
    import torch.nn.functional as F

    def g(x):
        return F.softmax(x, dim=0)

    st = InProcessStudent(exercise("g", ["torch.nn.functional.softmax"]), {"g": g})
    with pytest.raises(Forbidden):
        st.call("g", torch.zeros(3))
    assert F.softmax(torch.zeros(2), 0).sum() == 1  # the tripwire is gone afterwards


def test_a_result_that_leaves_the_grading_device_is_a_device_mistake():
    """Checked without a GPU: the meta device stands in for cuda."""
    from d2lkit.grading.errors import CheckFailed
    from d2lkit.grading.protocol import Reply
    from d2lkit.grading.student import Student

    class Echo(Student):
        def __init__(self, value):
            super().__init__(exercise(), device="meta")
            self.value = value

        def _run(self, job, probe=None, fd=None):
            return Reply("ok", value=self.value, args_after=[job.args, job.kwargs])

    x = torch.zeros(2, device="meta")
    assert Echo(torch.zeros(2, device="meta")).call("f", x, mutates=True).device.type == "meta"
    with pytest.raises(CheckFailed) as e:
        Echo((torch.zeros(2, device="meta"), torch.zeros(2))).call("f", x, mutates=True)
    assert e.value.detail.key == "device" and e.value.detail.params["got"] == "cpu"
    # no tensor input on the device (e.g. a list of tokens): a CPU result is fine
    assert Echo(torch.zeros(2)).call("f", [1, 2]).device.type == "cpu"


def test_a_hardening_step_that_fails_is_loud(monkeypatch):
    """A weaker sandbox is a warning for `check` and an error for `grade` (strict), never silent."""
    from d2lkit.grading import sandbox as sandbox_module
    from d2lkit.grading.sandbox import SandboxError

    monkeypatch.setattr(sandbox_module, "_set_dumpable", lambda on: False)
    with Sandbox(ENTRY) as sb:
        assert any("non-dumpable" in w for w in sb.weaknesses)
    with pytest.raises(SandboxError, match="non-dumpable"):
        Sandbox(ENTRY, strict=True).start()


def test_hundreds_of_exercises_in_one_sandbox_never_stall(tmp_path, sandbox):
    """The zygote reports every fork and exit; unread, those reports once filled its socket after
    about 140 children, and the next child never started (a timeout that was nobody's fault)."""
    start = time.monotonic()
    for i in range(400):
        st = student_for(tmp_path, sandbox, "def f(x):\n    return x + 1\n", timeout=5.0)
        assert st.call("f", i) == i + 1
        st.close()
    assert time.monotonic() - start < 60


FORGER = """
    import os, struct, sys, torch
    def f(x):
        original = x.clone()
        x.mul_(0)  # the mutation the grader must see
        wire = sys.modules["d2lkit.grading.wire"]  # already loaded in the child
        version = sys.modules["d2lkit.grading.protocol"].PROTOCOL_VERSION  # a well-formed frame
        reply = {"v": version, "kind": "ok", "value": torch.zeros(3),
                 "args_after": [(original,), {}]}  # "my input was left alone"
        frame = wire.encode(reply)
        os.write(3, struct.pack("<Q", len(frame)) + frame)
        os._exit(0)
"""


def test_a_forged_account_of_the_inputs_is_not_believed(tmp_path, sandbox):
    """The child may write any reply it likes; whether it changed its inputs is read by the
    supervisor from the memory it shared, not from the child's account of them."""
    from d2lkit.grading.errors import CheckFailed
    from d2lkit.grading.student import _mutated

    st = student_for(tmp_path, sandbox, FORGER)
    x = torch.ones(3)
    with pytest.raises(CheckFailed) as e:
        st.call("f", x)
    assert e.value.mistake == "input-mutated"
    assert torch.equal(x, torch.ones(3))  # the grader's own copy was never touched
    # positive control: believed, the forged account would have hidden the mutation
    assert _mutated((x,), {}, (torch.ones(3),), {}) is None


HOG = """
import torch
def f(mib):
    x = torch.ones(mib * 1024 * 1024 // 4)  # written, so resident
    return float(x[-1])
"""


def test_the_zygote_stops_a_child_that_uses_too_much_memory(tmp_path):
    """What a child really uses is watched on every device (on a GPU an address-space cap would
    refuse CUDA's own mappings): past its limit it is killed, and the learner is told why."""
    from d2lkit.grading.errors import LearnerCrashed
    from d2lkit.grading.options import Limits

    roomy = Limits(extra_address_space=16 * 1024**3)  # so that only the watch can stop it
    with Sandbox(ENTRY, limits=replace(roomy, extra_resident=200 * 1024**2)) as sb:
        st = student_for(tmp_path, sb, HOG, timeout=20.0)
        with pytest.raises(LearnerCrashed) as e:
            st.call("f", 800)
        assert e.value.detail.key == "over-memory"
        assert e.value.detail.params["limit"] == "200 MiB"
    # positive control: the same child with room to spare
    with Sandbox(ENTRY, limits=roomy) as sb:
        assert student_for(tmp_path, sb, HOG, timeout=20.0).call("f", 800) == 1.0


@pytest.mark.parametrize("body, key, what", [
    ("x.requires_grad_(True)\n    return x.sum()", "left-behind", "args[0].requires_grad"),
    ("torch.set_default_dtype(torch.float64)\n    return x.sum()", "left-behind",
     "torch.get_default_dtype() = torch.float64"),
    ("torch.set_grad_enabled(False)\n    return x.sum()", "left-behind",
     "torch.is_grad_enabled() = False"),
    ("_seen.append(1)\n    return x.sum() * len(_seen)", "not-repeatable", None),
    ("return x.sum() + torch.rand(()) * 0", "global-rng", None),
])
def test_what_a_call_leaves_behind_is_its_callers_problem(tmp_path, sandbox, body, key, what):
    """Checked by the engine for every exercise: the caller's tensors and torch's settings as
    they were, the same result from the same inputs, randomness only from a generator given."""
    from d2lkit.grading.errors import CheckFailed
    from d2lkit.grading.wire import Gen

    source = f"import torch\n_seen = []\ndef f(x, generator=None):\n    {body}\n"
    st = student_for(tmp_path, sandbox, source)
    with pytest.raises(CheckFailed) as e:
        st.call("f", torch.ones(3), generator=Gen(0))
    assert e.value.detail.key == key == e.value.mistake
    if what:
        assert e.value.detail.params["what"] == what
    # the same function without the side effect passes
    clean = student_for(tmp_path, sandbox, "import torch\ndef f(x, generator=None):\n"
                                           "    return x.sum() + torch.rand((), generator=generator) * 0\n")
    assert clean.call("f", torch.ones(3), generator=Gen(0)) == 3.0


def test_the_stubs_not_implemented_is_told_from_the_learners_own(tmp_path, sandbox):
    """Only the stub's own line means "not started"; a NotImplementedError a learner raises for a
    case their code does not handle is their code's answer, and a nested method is named."""
    from d2lkit.grading.errors import LearnerError

    st = student_for(tmp_path, sandbox, """
        def f(x, mode="max"):
            if mode != "max":
                raise NotImplementedError(f"unknown mode {mode}")
            return x
    """)
    with pytest.raises(LearnerError) as e:
        st.call("f", 1, mode="avg")
    assert e.value.detail.key == "exception" and "unknown mode avg" in e.value.message
    st = student_for(tmp_path, sandbox, """
        class Net:
            def __init__(self):
                raise NotImplementedError
        def f(x):
            return Net()
    """)
    with pytest.raises(NotImplementedYet) as e:
        st.call("f", 1)
    assert e.value.detail.params["function"] == "Net.__init__"


@pytest.mark.slow
def test_a_sandbox_that_cannot_confine_is_the_graders_failure_not_the_learners(tmp_path, monkeypatch):
    """A kernel that advertises Landlock and then refuses it: no learner code runs, and the
    verdict is an infrastructure error. A learner raising an exception of the same name is
    still the learner's error."""
    import shutil

    from d2lkit import catalogue
    from d2lkit.grading import confine
    from d2lkit.grading.engine import Engine
    from d2lkit.grading.options import Options
    from d2lkit.grading.protocol import Status

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "solutions" / "ch02", ws / "ch02")
    ex = catalogue.load().by_id["ch2.vector_norm"]

    def refused(policy):
        raise OSError("landlock_restrict_self: Operation not permitted")

    with monkeypatch.context() as m:
        m.setattr(confine, "apply", refused)  # the zygote, forked below, inherits it
        with Engine(Options(seed=1)) as engine:
            [r] = engine.grade([ex], ws)
    assert r.status is Status.INFRASTRUCTURE and r.detail.key == "unconfined"
    assert "Operation not permitted" in r.detail.params["message"]
    assert len(r.checks) == 1  # it ends the exercise: every later check would say the same

    module = ws / "ch02" / "norms.py"
    module.write_text(module.read_text() + "\n\nclass ConfinementError(OSError):\n    pass\n\n"
                      "def vector_norm(x, p=2.0):\n    raise ConfinementError('forged')\n")
    with Engine(Options(seed=1)) as engine:
        [r] = engine.grade([ex], ws)
    assert r.status is Status.ERROR, r
