"""Probes of test_ndarray.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""
import torch


def probe_broadcast_many(mod, pairs):
    """Runs in the child: broadcast_shape on many pairs at once (one child instead of many).

    Each answer is the returned value, or the name of the exception type raised. The stub's
    NotImplementedError propagates, so that an unfinished exercise reads as not implemented.
    """
    answers = []
    for a, b in pairs:
        try:
            answers.append(mod.broadcast_shape(a, b))
        except NotImplementedError:
            raise
        except Exception as e:  # noqa: BLE001 - the exception type is the answer being checked
            answers.append(type(e).__name__)
    return answers


def probe_add_into(mod, Z, X, Y):
    """Runs in the child: call add_into_ and report what happened to Z, X and Y."""
    X0, Y0, ptr = X.clone(), Y.clone(), Z.data_ptr()
    ret = mod.add_into_(Z, X, Y)
    return {"ret_is_Z": ret is Z, "same_storage": Z.data_ptr() == ptr, "Z": Z,
            "X_Y_unchanged": torch.equal(X, X0) and torch.equal(Y, Y0)}
