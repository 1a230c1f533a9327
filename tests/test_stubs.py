"""Stubs are generated from solutions, and the committed ones are up to date."""

import pytest

from d2lkit.authoring.stubs import MarkerError, make_stub, out_of_date, strip_markers

SOLUTION = '''import torch


def f(x):
    """Doc."""
    ### BEGIN SOLUTION
    y = x + 1
    return y
    ### END SOLUTION


class M:
    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.a = 1
        ### END SOLUTION
'''


def test_marked_regions_become_not_implemented_at_their_indentation():
    stub = make_stub(SOLUTION)
    assert "y = x + 1" not in stub and "self.a = 1" not in stub
    assert "    raise NotImplementedError\n" in stub
    assert "        super().__init__()\n        raise NotImplementedError\n" in stub
    assert '"""Doc."""' in stub
    compile(stub, "stub", "exec")


def test_unbalanced_markers_are_refused():
    with pytest.raises(MarkerError):
        make_stub("    ### BEGIN SOLUTION\n    x = 1\n")
    with pytest.raises(MarkerError):
        make_stub("    ### END SOLUTION\n")


def test_strip_markers_keeps_the_code():
    shown = strip_markers(SOLUTION)
    assert "y = x + 1" in shown and "BEGIN SOLUTION" not in shown


def test_committed_stubs_equal_the_generated_ones():
    assert out_of_date() == [], "run `d2lkit dev sync`"


# ------------------------------------------------------------------------------ forbidden names
def test_the_forbid_list_goes_into_each_definitions_docstring():
    forbid = {"f": ("torch.softmax", "torch.Tensor.softmax", "torch._softmax", "torch._C._nn.x"),
              "M": ("torch.nn.Linear",)}
    stub = make_stub(SOLUTION, forbid=forbid)
    compile(stub, "stub", "exec")
    f_doc = stub[stub.index("def f"):stub.index("raise NotImplementedError")]
    assert "Not allowed in this exercise" in f_doc and "本练习不允许使用（评分时会检查）：" in f_doc
    assert "torch.softmax, torch.Tensor.softmax" in f_doc
    # private aliases are counted, not listed; on a line of their own
    assert "torch._softmax" not in stub and "(and 2 private aliases of these / 以及它们的 2 个内部别名)" in f_doc
    # a one-line docstring becomes a paragraph; a class without one gets one
    m = stub[stub.index("class M"):]
    assert m.index("torch.nn.Linear") < m.index("def __init__")
    ns: dict = {}
    exec(compile(stub.replace("import torch\n", ""), "stub", "exec"), ns)
    assert ns["f"].__doc__.startswith("Doc.\n\n") and "torch.softmax" in ns["f"].__doc__
    assert "torch.nn.Linear" in ns["M"].__doc__
    # no forbid, no change
    assert make_stub(SOLUTION, forbid={}) == make_stub(SOLUTION)


def test_every_committed_stub_lists_what_its_exercise_forbids():
    """Generated from the catalogue (`forbid = [...]`), so a stub cannot drift from the grader."""
    import ast

    from d2lkit import catalogue
    from d2lkit.paths import content_dir

    cat = catalogue.load()
    checked = 0
    for ex in cat.exercises:
        tree = ast.parse((content_dir("exercises") / ex.relpath).read_text("utf-8"))
        docs = {node.name: ast.get_docstring(node) or "" for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        public = [n for n in ex.forbid if not any(p.startswith("_") for p in n.split("."))]
        for name in ex.functions:
            if ex.forbid:
                assert "本练习不允许使用" in docs[name], (ex.id, name)
                for forbidden in public:
                    assert forbidden in docs[name], (ex.id, name, forbidden)
                checked += 1
    assert checked > 70  # ch3.softmax (torch.logsumexp) among them


def test_a_changed_forbid_list_makes_the_stub_stale(tmp_path):
    """`dev check` (the lint) and `dev sync` see a catalogue change, not only a solution change."""
    import textwrap

    from d2lkit import catalogue
    from d2lkit.authoring import lint
    from d2lkit.authoring.stubs import forbid_map_of

    chapter = textwrap.dedent('''\
        schema = 1

        [chapter]
        number = 3
        slug = "linear-networks"
        title = { en = "Linear Neural Networks", zh = "线性神经网络" }

        [chapter.sections]
        "3.6" = { en = "Softmax from scratch", zh = "softmax回归的从零开始实现" }

        [[exercises]]
        id = "ch3.f"
        topic = "softmax_scratch"
        section = "3.6"
        functions = ["f"]
        forbid = ["torch.softmax"]
        title = { en = "F", zh = "F" }
        hints = [{ en = "h", zh = "提示" }]
        ''')
    (tmp_path / "curriculum").mkdir()
    toml = tmp_path / "curriculum" / "ch03.toml"
    toml.write_text(chapter, "utf-8")
    for tree in ("solutions", "exercises"):
        (tmp_path / tree / "ch03").mkdir(parents=True)
    (tmp_path / "solutions" / "ch03" / "softmax_scratch.py").write_text(SOLUTION)
    cat = catalogue.load_dir(tmp_path / "curriculum")
    stub = make_stub(SOLUTION, forbid=forbid_map_of(cat.exercises))
    (tmp_path / "exercises" / "ch03" / "softmax_scratch.py").write_text(stub)
    trees = lint.Trees(tmp_path / "exercises", tmp_path / "solutions", tmp_path / "grader",
                       tmp_path / "tests" / "mutants")
    assert lint.stale_stubs(cat.exercises, trees, cat) == []
    toml.write_text(chapter.replace('["torch.softmax"]', '["torch.softmax", "torch.exp"]'))
    cat = catalogue.load_dir(tmp_path / "curriculum")
    [problem] = lint.stale_stubs(cat.exercises, trees, cat)
    assert "out of date" in problem.message
