"""The engine's vocabulary: statuses and the supervisor–child messages."""

import pytest
import torch

from d2lkit import i18n
from d2lkit.grading import wire
from d2lkit.grading.options import DEFAULT_TIMEOUT, Options
from d2lkit.grading.protocol import (CACHEABLE, PROTOCOL_VERSION, STICKY, Job, ProtocolError,
                                     Reply, ReplyKind, Setup, Status)
from d2lkit.grading.results import ExerciseResult, Results


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_text_in_both_languages_an_icon_and_a_style(status):
    for lang in i18n.LANGS:
        assert f"status.{status.value}" in i18n.keys(lang), (status, lang)
    assert status.icon and status.style


def test_statuses_read_as_their_values():
    assert f"{Status.PASSED}" == str(Status.PASSED) == "passed" == Status.PASSED
    assert Status("not_implemented") is Status.NOT_IMPLEMENTED
    assert STICKY <= set(Status) and CACHEABLE <= set(Status)
    assert Status.TIMEOUT not in CACHEABLE and Status.CRASHED not in CACHEABLE
    assert not Status.INFRASTRUCTURE.learners_fault and Status.FAILED.learners_fault


def test_a_job_and_a_reply_survive_the_wire_codec():
    job = Job("call", "softmax", needs=("softmax",), args=(torch.ones(2, 3),), kwargs={"dim": 1})
    back = Job.from_wire(wire.decode(wire.encode(job.to_wire())))
    assert back.op == "call" and back.name == "softmax" and back.kwargs == {"dim": 1}
    assert torch.equal(back.args[0], torch.ones(2, 3))
    reply = Reply("error", type="ValueError", message="boom", frames=({"line": 3},))
    wired = reply.to_wire()
    assert "value" not in wired and "args_after" not in wired  # only what the kind uses travels
    back = Reply.from_wire(wire.decode(wire.encode(wired)))
    assert back.kind is ReplyKind.ERROR and back.message == "boom"


@pytest.mark.parametrize("forged", [
    {"v": PROTOCOL_VERSION + 1, "kind": "ok"},  # another protocol version
    {"v": PROTOCOL_VERSION - 1, "kind": "ok"},
    {"v": PROTOCOL_VERSION, "kind": "passed"},  # not a reply kind
    {"v": PROTOCOL_VERSION, "kind": "ok", "verdict": "passed"},  # a field it does not have
    ["v", PROTOCOL_VERSION],
])
def test_a_reply_that_is_not_one_is_refused(forged):
    with pytest.raises(ProtocolError):
        Reply.from_wire(forged)


def test_a_job_with_an_unknown_op_is_refused():
    with pytest.raises(ProtocolError):
        Job("exec", "f")
    assert Setup.from_wire(Setup("/ws", "ch02/a.py").to_wire()).relpath == "ch02/a.py"


def test_options_hold_the_defaults_and_normalise_the_device():
    o = Options()
    assert o.timeout == DEFAULT_TIMEOUT and o.device == "cpu" and not o.on_gpu
    assert Options(device="cuda").device == "cuda:0" and Options(device="cuda:1").device == "cuda:1"
    assert o.but(seed=7).seed == 7 and o.seed == 0
    with pytest.raises(ValueError):
        Options(timeout=0)


def test_one_constructor_gives_points_and_results_own_the_totals():
    from d2lkit import catalogue

    cat = catalogue.load()
    main = [ex for ex in cat.exercises if not ex.stretch][:2]
    extra = next(ex for ex in cat.exercises if ex.stretch)
    results = Results([ExerciseResult.of(main[0], "passed"), ExerciseResult.of(main[1], "failed"),
                       ExerciseResult.of(extra, Status.PASSED)])
    assert results[0].points == main[0].points and results[1].points == 0
    assert results.passed == 1 and results.total == 2
    assert results.points == main[0].points  # required only
    assert results.max_points == main[0].points + main[1].points  # stretch never in the maximum
    assert results.extra_points == extra.points and results.stretch_passed == 1
    assert not results.all_required_passed
    assert results.summary()["max_points"] == results.max_points
