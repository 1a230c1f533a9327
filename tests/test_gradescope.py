"""Gradescope: the autograder `d2lkit gradescope` writes (autograder.zip: setup.sh, run_autograder,
d2lkit's wheel, constraints.txt) and what run_autograder does with each upload.

Gradescope's machine is simulated by a folder: `AUTOGRADER_ROOT` stands in for /autograder
(source/, submission/, results/) and `D2LKIT_VENV` for /opt/d2lkit. The fast tests run
run_autograder with bash against this checkout's own venv (or a stub python that fails in the
ways a grader can fail); `test_the_whole_autograder_offline` (slow) runs setup.sh too, into a
fresh venv, with the network install of torch replaced by the machine's local wheels and d2lkit
installed from the wheel in the zip."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from d2lkit import catalogue
from d2lkit.instructor import gradescope
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="run_autograder is bash")
SOLUTION = (ROOT / "solutions" / "ch02" / "norms.py").read_text()
TARGET = "norms"  # ch02/norms.py: 3 exercises, 4 points (section 2.3 also has a quiz)
EXERCISES = catalogue.load().resolve([TARGET])


# ------------------------------------------------------------------------------ helpers
def fake_wheel(tmp_path: Path) -> Path:
    wheel = tmp_path / "d2lkit-0.0.0-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip: never installed by these tests
    return wheel


def write_autograder(folder: Path, *extra, wheel: Path | None = None, cwd=None) -> Path:
    args = ["gradescope", folder, "--target", TARGET, "--timeout", "5", *extra]
    if wheel is not None:
        args += ["--wheel", wheel]
    r = run_cli(*args, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return folder / "run_autograder"


def autograder_root(tmp_path: Path) -> Path:
    """A stand-in for /autograder: an empty submission/ folder."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    return root


def run_autograder(script: Path, root: Path, venv: Path | str = sys.prefix, env=None
                   ) -> subprocess.CompletedProcess:
    full = {**os.environ, "AUTOGRADER_ROOT": str(root), "D2LKIT_VENV": str(venv),
            "D2LKIT_LANG": "en", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(["bash", str(script)], env=full, text=True, capture_output=True,
                          timeout=300)


def results_of(root: Path) -> dict:
    path = root / "results" / "results.json"
    assert path.is_file() and not path.is_symlink()
    data = json.loads(path.read_text())  # valid JSON, as Gradescope requires
    assert isinstance(data["score"], (int, float)) and isinstance(data["tests"], list)
    assert isinstance(data["output"], str)
    return data


def fake_venv(tmp_path: Path, body: str) -> Path:
    """A venv whose python runs `body` (bash) instead of d2lkit; its arguments land in args."""
    venv = tmp_path / "fake-venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "{tmp_path}/args"\n{body}\n')
    python.chmod(0o755)
    return venv


def patched_venv(tmp_path: Path, patch: str) -> Path:
    """A venv whose python is this checkout's, with `patch` run before the autograder's main."""
    venv = tmp_path / "patched-venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    code = (f"{patch}; import sys; from d2lkit.instructor.gradescope import main; "
            "sys.exit(main(sys.argv[1:]))")
    # run_autograder calls `python -m d2lkit.instructor.gradescope ARGS...`: drop the first two
    python.write_text(f'#!/usr/bin/env bash\nshift 2\nexec {sys.executable} -c "{code}" "$@"\n')
    python.chmod(0o755)
    return venv


# ------------------------------------------------------------------------------ the upload shapes
def _zip(path: Path, files: dict[str, str], symlinks: dict[str, str] = ()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
        for name, target in dict(symlinks).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)


def shape(sub: Path, kind: str):
    """Fill a submission folder as a learner's upload of this kind would."""
    if kind == "flat":  # the files dragged in
        (sub / "norms.py").write_text(SOLUTION)
    elif kind == "chapters":  # the chNN/ folders dragged in
        (sub / "ch02").mkdir()
        (sub / "ch02" / "norms.py").write_text(SOLUTION)
    elif kind == "folder":  # the workspace folder
        (sub / "my-d2l" / "ch02").mkdir(parents=True)
        (sub / "my-d2l" / "d2lkit.toml").write_text("[workspace]\n")
        (sub / "my-d2l" / "ch02" / "norms.py").write_text(SOLUTION)
    elif kind == "nested":
        ws = sub / "Users" / "li" / "courses" / "my-d2l"
        (ws / "ch02").mkdir(parents=True)
        (ws / "ch02" / "norms.py").write_text(SOLUTION)
        (sub / "Users" / ".Trash" / "old" / "ch02").mkdir(parents=True)  # hidden: not searched
    elif kind == "zip":  # a zip of the workspace, with the junk macOS adds
        _zip(sub / "my-d2l.zip", {"my-d2l/d2lkit.toml": "[workspace]\n",
                                  "my-d2l/ch02/norms.py": SOLUTION,
                                  "__MACOSX/my-d2l/ch02/._norms.py": "junk"})
    elif kind == "zip-flat":
        _zip(sub / "upload.zip", {"norms.py": SOLUTION})
    else:
        raise ValueError(kind)


SHAPES = ["flat", "chapters", "folder", "nested", "zip", "zip-flat"]


@pytest.mark.parametrize("kind", SHAPES)
def test_every_upload_shape_is_found(tmp_path, kind):
    sub = tmp_path / "submission"
    sub.mkdir()
    shape(sub, kind)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    upload = gradescope.locate(sub, EXERCISES, scratch)
    assert upload.problem is None and upload.workspace is not None
    assert (upload.workspace / "ch02" / "norms.py").read_text() == SOLUTION


def found(tmp_path, build) -> gradescope.Upload:
    sub = tmp_path / "submission"
    sub.mkdir(parents=True, exist_ok=True)
    build(sub)
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return gradescope.locate(sub, EXERCISES, scratch)


def test_several_workspaces_are_an_error_not_a_guess(tmp_path):
    def two(sub):
        for name in ("alice", "bob"):
            (sub / name / "ch02").mkdir(parents=True)
            (sub / name / "ch02" / "norms.py").write_text(SOLUTION)

    key, params = found(tmp_path, two).problem
    assert key == "instructor.gs-several" and params["count"] == 2
    assert params["names"] == "alice, bob"


def test_two_zips_or_two_copies_of_a_file_are_errors(tmp_path):
    def zips(sub):
        _zip(sub / "a.zip", {"norms.py": SOLUTION})
        _zip(sub / "b.zip", {"norms.py": SOLUTION})

    assert found(tmp_path / "z", zips).problem[0] == "instructor.gs-several"

    def copies(sub):
        (sub / "norms.py").write_text(SOLUTION)
        (sub / "old").mkdir()
        (sub / "old" / "norms.py").write_text("")

    key, params = found(tmp_path / "c", copies).problem
    assert key == "instructor.gs-duplicate" and params["paths"] == "norms.py, old/norms.py"


def test_nothing_of_the_assignment_says_what_to_upload(tmp_path):
    def other(sub):
        (sub / "notes.txt").write_text("hello")
        (sub / "linreg.py").write_text("")  # another chapter's file: not this assignment's

    key, params = found(tmp_path, other).problem
    assert key == "instructor.gs-nothing" and params["expected"] == "ch02/norms.py"


def test_an_unsafe_zip_is_never_extracted_outside_the_scratch_folder(tmp_path):
    outside = tmp_path / "outside.py"

    def evil(sub):
        _zip(sub / "evil.zip", {"../../outside.py": "x = 1", "/abs/norms.py": "x = 1",
                                "ws/ch02/norms.py": SOLUTION},
             symlinks={"ws/ch02/linked.py": "/etc/passwd"})

    upload = found(tmp_path, evil)
    assert upload.problem is None and not outside.exists()
    ws = upload.workspace
    assert (ws / "ch02" / "norms.py").read_text() == SOLUTION
    assert not (ws / "ch02" / "linked.py").exists()
    assert ws.resolve().is_relative_to((tmp_path / "scratch").resolve())


def test_a_zip_that_cannot_be_read_is_an_error(tmp_path, monkeypatch):
    def broken(sub):
        (sub / "work.zip").write_bytes(b"PK\x03\x04 not really a zip")

    assert found(tmp_path / "b", broken).problem[0] == "instructor.gs-bad-zip"
    monkeypatch.setattr(gradescope, "MAX_ZIP_BYTES", 1000)

    def bomb(sub):  # more Python than allowed once inflated
        _zip(sub / "bomb.zip", {"ch02/norms.py": "#" * 5000})

    key, params = found(tmp_path / "m", bomb).problem
    assert key == "instructor.gs-bad-zip" and "MiB" in params["message"]


def test_a_symlinked_folder_or_file_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "ch02").mkdir(parents=True)
    (elsewhere / "ch02" / "norms.py").write_text(SOLUTION)

    def links(sub):
        (sub / "ws").symlink_to(elsewhere)
        (sub / "norms.py").symlink_to(elsewhere / "ch02" / "norms.py")

    assert found(tmp_path, links).problem[0] == "instructor.gs-nothing"


def test_problem_results_are_valid_in_both_languages():
    for lang in ("en", "zh"):
        for key, params in (("instructor.gs-several", {"count": 2, "names": "a, b"}),
                            ("instructor.gs-nothing", {"expected": "ch02/norms.py"})):
            data = json.loads(gradescope.problem_results(key, params, lang))
            assert data["score"] == 0 and data["tests"] == [] and "{" not in data["output"]
        json.loads(gradescope.failed_results(lang))


# ------------------------------------------------------------------------------ the generated files
def test_the_autograder_zip_holds_everything_at_its_root(tmp_path):
    out = tmp_path / "gs"
    write_autograder(out, wheel=fake_wheel(tmp_path))
    with zipfile.ZipFile(out / "autograder.zip") as z:
        names = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        assert z.read("constraints.txt").decode() == (ROOT / "constraints.txt").read_text()
    assert set(names) == {"setup.sh", "run_autograder", "constraints.txt",
                          "d2lkit-0.0.0-py3-none-any.whl"}
    assert names["run_autograder"] & 0o111 and names["setup.sh"] & 0o111
    setup = (out / "setup.sh").read_text()
    # d2lkit from the wheel in the zip, never from an index; torch pinned by the constraints
    assert '"$SOURCE/d2lkit-0.0.0-py3-none-any.whl"' in setup
    assert "pip install -q d2lkit" not in setup and "install -q {" not in setup
    assert setup.count('-c "$SOURCE/constraints.txt"') == 2
    assert "https://download.pytorch.org/whl/cpu" in setup
    script = (out / "run_autograder").read_text()
    for default in ("/autograder", "/opt/d2lkit", f"--target {TARGET}", "--timeout 5.0",
                    "--stretch extra-credit", "--hidden-visibility after_due_date"):
        assert default in script + setup
    assert "--require-landlock" not in script and "--show-hidden" not in script
    shown = write_autograder(tmp_path / "gs-shown", "--show-hidden", wheel=fake_wheel(tmp_path))
    assert "--show-hidden" in shown.read_text()


# a course's own hidden check, full of canaries; PLANTED runs a command of d2lkit's with the
# kit's norms grader plus this check (the engine's children are forked: they see it too)
CANARIES = ("CANARY-TITLE-4f1d", "31419.25", "CANARY-WHAT-9c2e")
HIDDEN_CHECK = '''


@grades("ch2.vector_norm", en="CANARY-TITLE-4f1d", zh="CANARY-TITLE-4f1d", visibility="hidden")
def test_planted_hidden_canary(student):
    x = torch.tensor([31415.25, -4.0], dtype=torch.float64)
    expect_close(student.call("vector_norm", x, 1.0), torch.tensor(31419.25, dtype=torch.float64),
                 what="CANARY-WHAT-9c2e vector_norm(x, p=1)")
'''
PLANTED = """
import sys
from pathlib import Path
from d2lkit.grading import runner
planted, real = Path(sys.argv[1]), runner.grader_file
runner.grader_file = lambda ex: planted if ex.topic == "norms" else real(ex)
if sys.argv[2] == "gradescope":
    from d2lkit.instructor.gradescope import main
    sys.exit(main(sys.argv[3:]))
from d2lkit.cli import main
main(sys.argv[3:])
"""


@pytest.mark.slow
def test_hidden_checks_reach_learners_in_full_only_when_the_instructor_opts_in(tmp_path):
    planted = tmp_path / "planted" / "ch02" / "test_norms.py"
    planted.parent.mkdir(parents=True)
    planted.write_text((ROOT / "grader" / "ch02" / "test_norms.py").read_text() + HIDDEN_CHECK)
    ws = tmp_path / "ws" / "ch02"
    ws.mkdir(parents=True)
    # every check of vector_norm fails, the hidden one too
    (ws / "norms.py").write_text(SOLUTION + "\n\ndef vector_norm(x, p=2.0):\n"
                                 "    return (x * 0).sum()\n")

    def run(*args) -> str:
        r = subprocess.run([sys.executable, "-c", PLANTED, str(planted), *args], cwd=tmp_path,
                           text=True, capture_output=True, timeout=300,
                           env={**os.environ, "D2LKIT_LANG": "en"})
        assert r.returncode in (0, 1), r.stderr[-3000:]
        return r.stdout

    for shown in (False, True):
        flag = ["--show-hidden"] if shown else []
        results = tmp_path / f"results-{shown}.json"
        run("gradescope", "--submission", str(ws.parent), "--results", str(results),
            "--target", TARGET, "--seed", "3", "--hidden-visibility", "visible", *flag)
        classroom = tmp_path / f"classroom-{shown}.json"
        run("cli", "grade", str(ws.parent), "--target", TARGET, "--seed", "3", "--format",
            "classroom", "--out", str(classroom), "--no-progress", *flag)
        for text in (results.read_text(), classroom.read_text()):
            assert "vector_norm" in text  # graded, and failed
            assert all((c in text) is shown for c in CANARIES), (shown, text[:3000])


def test_the_course_file_reaches_the_script(tmp_path):
    (tmp_path / "d2lkit-course.toml").write_text(
        '[grading]\nstretch = "required"\nhidden_visibility = "after_published"\n')
    script = write_autograder(tmp_path / "gs", "--require-landlock", wheel=fake_wheel(tmp_path),
                              cwd=tmp_path).read_text()
    assert "--stretch required" in script and "--hidden-visibility after_published" in script
    assert "--require-landlock" in script
    # the command line wins over the file
    script = write_autograder(tmp_path / "gs2", "--stretch", "ignore", wheel=fake_wheel(tmp_path),
                              cwd=tmp_path).read_text()
    assert "--stretch ignore" in script
    (tmp_path / "d2lkit-course.toml").write_text('[grading]\nstretch = "bonus"\n')
    r = run_cli("gradescope", tmp_path / "gs3", "-t", TARGET, cwd=tmp_path)
    assert r.returncode == 2 and "bonus" in r.stderr and "extra-credit" in r.stderr
    assert not (tmp_path / "gs3").exists()


def test_a_wheel_that_is_not_d2lkits_is_refused(tmp_path):
    other = tmp_path / "numpy-1.0-py3-none-any.whl"
    other.write_bytes(b"")
    r = run_cli("gradescope", tmp_path / "gs", "-t", TARGET, "--wheel", other)
    assert r.returncode == 2 and "not a d2lkit wheel" in r.stderr


def test_the_wheel_is_built_offline_from_this_checkout(tmp_path):
    before = {p.name for p in ROOT.iterdir()}
    wheel = gradescope.build_wheel(tmp_path, ROOT)
    assert {p.name for p in ROOT.iterdir()} == before  # nothing written into the checkout
    from d2lkit import __version__

    assert wheel.name == f"d2lkit-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"d2lkit-{__version__}.dist-info/METADATA").decode()
    assert {"d2lkit/compat.py", "d2lkit/instructor/gradescope.py",
            "d2lkit/_content/grader/ch02/test_norms.py"} <= names
    # every package of the kit is in it (setup.cfg lists them one by one)
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "d2lkit").rglob("__init__.py")
                if "_content" not in p.parts}
    assert {f"{p}/__init__.py" for p in packages} <= names
    assert "Requires-Python: >=3.10" in meta
    assert 'Requires-Dist: tomli>=1.1; python_version < "3.11"' in meta


# ------------------------------------------------------------------------------ run_autograder fails
@pytest.mark.parametrize("how, status", [
    ("exit 3", "3"),
    ("kill -9 $$", "137"),  # killed, as by the OOM killer
    ("exit 0", "0"),  # "succeeded" but wrote nothing
    ('ln -s /etc/passwd "$RESULTS_ARG"; exit 0', "0"),  # a symlink is never believed
])
def test_a_failed_grading_yields_valid_failed_results(tmp_path, how, status):
    script = write_autograder(tmp_path / "gs", wheel=fake_wheel(tmp_path))
    root = autograder_root(tmp_path)
    results = root / "results" / "results.json"
    results.parent.mkdir()
    results.write_text(json.dumps({"score": 100, "tests": []}))  # planted by the submission
    venv = fake_venv(tmp_path, 'RESULTS_ARG=$(printf "%s\\n" "$@" | grep -A1 -x -- --results '
                     '| tail -1)\n' + how)
    r = run_autograder(script, root, venv)
    assert r.returncode == 1
    data = results_of(root)
    assert data["score"] == 0 and data["tests"] == []
    assert "autograder failed" in data["output"] and f"exit status {status}" in data["output"]
    assert "failed" in r.stderr


def test_a_planted_symlink_is_removed_not_followed(tmp_path):
    script = write_autograder(tmp_path / "gs", wheel=fake_wheel(tmp_path))
    root = autograder_root(tmp_path)
    decoy = tmp_path / "decoy.json"
    decoy.write_text('{"score": 100}')
    (root / "results").mkdir()
    (root / "results" / "results.json").symlink_to(decoy)
    r = run_autograder(script, root, fake_venv(tmp_path, "exit 1"))
    assert r.returncode == 1 and results_of(root)["score"] == 0
    assert decoy.read_text() == '{"score": 100}'


def test_the_settings_reach_the_grader(tmp_path):
    script = write_autograder(tmp_path / "gs", "--stretch", "required", "--require-landlock",
                              wheel=fake_wheel(tmp_path))
    root = autograder_root(tmp_path)
    venv = fake_venv(tmp_path, 'echo \'{"score": 2, "output": "", "tests": []}\' > '
                     '"$AUTOGRADER_ROOT/results/results.json"')
    r = run_autograder(script, root, venv)
    assert r.returncode == 0, r.stderr
    assert results_of(root)["score"] == 2  # what the grader wrote is kept as written
    args = (tmp_path / "args").read_text().splitlines()
    assert args[:2] == ["-m", "d2lkit.instructor.gradescope"]
    assert args[args.index("--submission") + 1] == str(root / "submission")
    assert args[args.index("--results") + 1] == str(root / "results" / "results.json")
    assert args[args.index("--stretch") + 1] == "required" and "--require-landlock" in args


# ------------------------------------------------------------------------------ real gradings
def graded(tmp_path, kind=None, venv=sys.prefix, *extra) -> tuple[dict, subprocess.CompletedProcess]:
    script = write_autograder(tmp_path / "gs", *extra, wheel=fake_wheel(tmp_path))
    root = autograder_root(tmp_path)
    if kind:
        shape(root / "submission", kind)
    r = run_autograder(script, root, venv)
    assert r.returncode == 0, r.stdout + r.stderr
    return results_of(root), r


def assert_solved(data: dict):
    assert data["score"] == 4 and len(data["tests"]) == 3
    assert all(t["status"] == "passed" and t["visibility"] == "visible" for t in data["tests"])
    assert sum(t["max_score"] for t in data["tests"]) == 4


@pytest.mark.parametrize("kind", ["flat", "zip"])
def test_an_upload_is_graded_and_the_sandbox_level_reported(tmp_path, kind):
    data, r = graded(tmp_path, kind)
    assert_solved(data)
    from d2lkit.grading.confine import landlock_abi

    if landlock_abi():
        assert "sandbox: full (Landlock ABI" in data["output"]
    else:
        assert "this container refuses Landlock" in data["output"]


def test_several_workspaces_give_a_valid_results_file(tmp_path):
    script = write_autograder(tmp_path / "gs", wheel=fake_wheel(tmp_path))
    root = autograder_root(tmp_path)
    for name in ("ws1", "ws2"):
        (root / "submission" / name / "ch02").mkdir(parents=True)
        (root / "submission" / name / "ch02" / "norms.py").write_text(SOLUTION)
    r = run_autograder(script, root)
    assert r.returncode == 0, r.stderr
    data = results_of(root)
    assert set(data) >= {"score", "output", "tests"} and "ws1" not in data
    assert data["score"] == 0 and "2 workspaces (ws1, ws2)" in data["output"]


NO_LANDLOCK = "import d2lkit.grading.confine as c; c.landlock_abi = lambda: 0"
NOT_STRICT = "import d2lkit.grading.sandbox as s; s._set_dumpable = lambda on: False"


def test_without_landlock_it_grades_in_the_strongest_sandbox_and_says_so(tmp_path):
    data, r = graded(tmp_path, "chapters", patched_venv(tmp_path, NO_LANDLOCK))
    assert_solved(data)
    assert "sandbox: weaker (this container refuses Landlock" in data["output"]
    assert "no Landlock on this kernel" in data["output"]  # the engine's own weaknesses


def test_when_the_strict_sandbox_fails_it_falls_back_and_says_why(tmp_path):
    from d2lkit.grading.confine import landlock_abi

    if not landlock_abi():
        pytest.skip("no Landlock here: the strict sandbox is never tried")
    data, r = graded(tmp_path, "chapters", patched_venv(tmp_path, NOT_STRICT))
    assert_solved(data)
    assert "the full sandbox could not start: sandbox hardening failed: non-dumpable" \
        in data["output"]


REFUSES_LANDLOCK = ("import d2lkit.grading.confine as c; c._landlock = lambda *a: "
                    "(_ for _ in ()).throw(OSError(1, 'landlock_restrict_self'))")
REFUSES_ALL = ("import d2lkit.grading.confine as c; c.apply = lambda *a: "
               "(_ for _ in ()).throw(OSError(1, 'setresuid'))")


def test_landlock_advertised_but_refused_is_probed_not_blamed_on_the_learner(tmp_path):
    """A container may report a Landlock ABI and still refuse to apply it: the probe finds out
    before grading, and the learner's code runs confined by everything else."""
    from d2lkit.grading.confine import landlock_abi

    if not landlock_abi():
        pytest.skip("no Landlock here")
    data, r = graded(tmp_path, "chapters", patched_venv(tmp_path, REFUSES_LANDLOCK))
    assert_solved(data)
    assert "the full sandbox could not start: PermissionError: [Errno 1] landlock_restrict_self" \
        in data["output"]
    assert "no Landlock on this kernel" in data["output"]  # the engine's own account


def test_with_no_kernel_confinement_at_all_it_grades_and_says_so(tmp_path):
    data, r = graded(tmp_path / "a", "chapters", patched_venv(tmp_path / "a", REFUSES_ALL))
    assert_solved(data)
    assert "sandbox: none (this container refuses the kernel's confinement" in data["output"]
    assert "- no kernel confinement: PermissionError: [Errno 1] setresuid" in data["output"]
    data, r = graded(tmp_path / "b", "chapters", patched_venv(tmp_path / "b", REFUSES_ALL),
                     "--require-landlock")
    assert data["score"] == 0 and "refused to grade" in data["output"]


def test_require_landlock_refuses_in_a_valid_results_file(tmp_path):
    data, r = graded(tmp_path, "chapters", patched_venv(tmp_path, NO_LANDLOCK),
                     "--require-landlock")
    assert data["score"] == 0 and data["tests"] == []
    assert "refused to grade" in data["output"] and "no Landlock" in data["output"]


ATTACK = '''
import json, os, time
RESULTS = {results!r}
def _plant():
    try:
        with open(RESULTS, "w") as f:
            f.write(json.dumps({{"score": 100, "output": "forged", "tests": []}}))
        open({marker!r}, "w").write("planted")
    except OSError:
        pass
_plant()
if os.fork() == 0:  # and keep planting after the grading, from a process of its own
    os.setsid()
    for _ in range(400):
        _plant()
        time.sleep(0.01)
    os._exit(0)
'''


@pytest.mark.parametrize("landlock", [True, False])
def test_a_submission_cannot_write_the_results(tmp_path, landlock, request):
    """With the kernel's confinement the forged file is never written; without it (the positive
    control: the attack then really writes), the grader's own file still replaces it, after
    every process below the grader is gone."""
    from d2lkit.grading.confine import landlock_abi

    if landlock and not landlock_abi():
        pytest.skip("no Landlock here")
    # children run as nobody when the grader is root: pytest's 0700 folders would stop the
    # attack before the sandbox does, so this one lives in a folder anyone can enter
    top = Path(tempfile.mkdtemp(prefix="d2lkit-gs-attack-"))
    request.addfinalizer(lambda: shutil.rmtree(top, ignore_errors=True))
    top.chmod(0o755)
    root = autograder_root(top)
    results = root / "results" / "results.json"
    (root / "results").mkdir()
    notes = top / "notes"
    notes.mkdir()
    for folder in (root / "results", notes):  # so that only the sandbox can stop the attack
        folder.chmod(0o777)
    marker = notes / "planted"
    (root / "submission" / "norms.py").write_text(
        SOLUTION + ATTACK.format(results=str(results), marker=str(marker)))
    script = write_autograder(tmp_path / "gs", wheel=fake_wheel(tmp_path))
    venv = sys.prefix if landlock else patched_venv(tmp_path, NO_LANDLOCK)
    r = run_autograder(script, root, venv)
    assert r.returncode == 0, r.stderr
    import time

    time.sleep(1.0)  # a leftover planter would have rewritten it by now
    data = results_of(root)
    assert data["score"] == 4 and "forged" not in data["output"]
    assert marker.exists() is (not landlock), "the positive control must show the attack working"


# ------------------------------------------------------------------------------ processes
def test_end_descendants_kills_orphans_of_orphans(tmp_path):
    code = """
import os, subprocess, sys, time
from d2lkit.instructor import gradescope as g
assert g.become_subreaper()
# a daemon: its parent exits at once, so it is reparented to this process
subprocess.run(["sh", "-c", "(setsid sleep 300 &) ; (sleep 300 &)"])
time.sleep(0.2)
before = g._children(os.getpid())
killed = g.end_descendants()
print(len(before), killed, len(g._children(os.getpid())))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    before, killed, after = map(int, r.stdout.split())
    assert before == 2 and killed == 2 and after == 0


# ------------------------------------------------------------------------------ the whole thing
@pytest.mark.slow
def test_the_whole_autograder_offline(tmp_path):
    """`d2lkit gradescope` (the wheel built from this checkout), setup.sh into a fresh venv —
    with the network install of torch replaced by this machine's own wheels, and d2lkit from the
    wheel in the zip — then run_autograder for every upload shape."""
    out = tmp_path / "gs"
    r = run_cli("gradescope", out, "--target", TARGET, "--timeout", "5")
    assert r.returncode == 0, r.stderr
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(out / "autograder.zip") as z:
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    venv = tmp_path / "opt-d2lkit"
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "D2LKIT_VENV": str(venv),
           "D2LKIT_BASE_PYTHON": getattr(sys, "_base_executable", sys.executable),
           "D2LKIT_TORCH_INDEX": ""}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, text=True,
                           capture_output=True, timeout=1200)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    # d2lkit came from the zip's wheel, not from this checkout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import d2lkit, torch; print(d2lkit.__file__, torch.__version__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in where.stdout and str(ROOT) not in where.stdout, where.stdout
    for kind in SHAPES:
        sub = root / "submission"
        shutil.rmtree(sub, ignore_errors=True)
        sub.mkdir()
        shape(sub, kind)
        r = run_autograder(root / "source" / "run_autograder", root, venv)
        assert r.returncode == 0, (kind, r.stderr[-3000:])
        assert_solved(results_of(root))
