"""Probes of test_conv_shapes.py: they run in the sandbox child, beside the learner's module.

A child may read this file but never the grader, so nothing here may give a check away:
no expected values, no hidden inputs, no reference solution."""


def probe_all_shapes(mod, cases):
    """conv_output_shape on many cases in one child; 'ValueError' where it raised one."""
    out = []
    for n, k, p, s in cases:
        try:
            r = mod.conv_output_shape(n, k, p, s)
        except ValueError:
            r = "ValueError"
        out.append(r if isinstance(r, str) else tuple(r) if isinstance(r, (tuple, list)) else repr(r))
    return out
