"""GitHub Classroom: `d2lkit classroom DIR` writes the autograding workflow into an assignment's
template repository (DIR, a workspace made by `d2lkit init`), and what it installs d2lkit from.

    .github/workflows/classroom.yml   the workflow GitHub Classroom runs on every push
    .github/d2lkit/d2lkit-*.whl       d2lkit's wheel, committed with the template (`--wheel`, or
                                      built from this d2lkit's checkout, as for Gradescope)
    .github/d2lkit/constraints.txt    torch pinned (the CPU build, from PyTorch's index)

d2lkit comes from the repository itself (the committed wheel, or with `--install-from` any path
in the repository: another wheel, a vendored source folder), so no package index is needed for
it. The workflow grades with `d2lkit grade . --format classroom` under the course's stretch rule
(written into the workflow) and hands the result to autograding-grading-reporter, which adds up
the tests' scores against `max_score` and fails the run when `status` is "fail" or "error": only
an exercise that counts under the rule can make it fail (d2lkit.output.formats). No torch here.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path, PurePosixPath

from d2lkit.grading.options import DEFAULT_TIMEOUT
from d2lkit.grading.results import DEFAULT_STRETCH_RULE, STRETCH_RULES
from d2lkit.instructor import gradescope

WORKFLOW_PATH = ".github/workflows/classroom.yml"
KIT_FOLDER = ".github/d2lkit"
PYTHON_VERSION = "3.11"  # d2lkit supports 3.10 and later

WORKFLOW = """\
# GitHub Classroom autograding, written by `d2lkit classroom` (d2lkit {version}).
# d2lkit is installed from this repository ({install}); torch (the CPU build) from PyTorch's
# index and d2lkit's other dependencies from PyPI, pinned by {constraints}.
# Stretch exercises count as "{stretch}" (d2lkit-course.toml): only exercises that count can fail
# this run.
name: Autograding Tests
on: [push, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: d2lkit
        id: d2lkit
        run: |
          python -m pip install -q -c {constraints} --index-url {torch_index} torch
          python -m pip install -q -c {constraints} {install}
          # outside the checkout: a learner cannot commit a results file (or a symlink) there
          out="$RUNNER_TEMP/d2lkit-result.json"
          rm -f "$out"
          python -m d2lkit grade . --target {target} --timeout {timeout} --lang {lang} \\
            --stretch {stretch} --format classroom --out "$out" --no-progress{weak}{show_hidden}
          echo "result=$(base64 -w0 "$out")" >> "$GITHUB_OUTPUT"
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          D2LKIT_RESULTS: "${{{{ steps.d2lkit.outputs.result }}}}"
        with:
          runners: d2lkit
"""


def workflow(target: str, install: str, lang: str = "en", timeout: float = DEFAULT_TIMEOUT, *,
             stretch: str = DEFAULT_STRETCH_RULE, allow_weak_sandbox: bool = False,
             show_hidden: bool = False, constraints: str = f"{KIT_FOLDER}/constraints.txt") -> str:
    """The workflow's text; `install` is what pip installs d2lkit from, relative to the
    repository's root (a wheel or a folder)."""
    from d2lkit import __version__

    if stretch not in STRETCH_RULES:
        raise ValueError(f"unknown stretch rule {stretch!r}")
    return WORKFLOW.format(
        version=__version__, install=shlex.quote(_repo_path(install)), target=shlex.quote(target),
        timeout=float(timeout), lang=shlex.quote(lang), stretch=stretch, python=PYTHON_VERSION,
        constraints=shlex.quote(constraints), torch_index=gradescope.TORCH_INDEX,
        weak=" --allow-weak-sandbox" if allow_weak_sandbox else "",
        show_hidden=" --show-hidden" if show_hidden else "")


def _repo_path(path: str) -> str:
    """A path inside the repository, as pip reads it from its root: `./x` for a folder."""
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts:
        raise ValueError(f"{path}: not a path inside the repository")
    text = str(p)
    return text if text.endswith(".whl") else f"./{text}"


def write(repo: Path, target: str, lang: str = "en", timeout: float = DEFAULT_TIMEOUT, *,
          wheel: Path | None = None, install_from: str | None = None,
          stretch: str = DEFAULT_STRETCH_RULE, allow_weak_sandbox: bool = False,
          show_hidden: bool = False) -> list[Path]:
    """Write the workflow, constraints.txt and (unless `install_from` names what is already in
    the repository) d2lkit's wheel into the template repository `repo`. Returns what was
    written, for the instructor to commit."""
    repo = Path(repo)
    kit = repo / KIT_FOLDER
    kit.mkdir(parents=True, exist_ok=True)
    written = []
    if install_from is None:
        for old in kit.glob("d2lkit-*.whl"):
            old.unlink()
        if wheel is None:
            built = gradescope.build_wheel(kit)
        else:
            wheel = Path(wheel)
            if not (wheel.is_file() and wheel.name.startswith("d2lkit-")
                    and wheel.suffix == ".whl"):
                raise gradescope.WheelError("instructor.bad-wheel", path=str(wheel))
            built = Path(shutil.copyfile(wheel, kit / wheel.name))
        written.append(built)
        install = f"{KIT_FOLDER}/{built.name}"
    else:
        install = install_from
    constraints = kit / "constraints.txt"
    constraints.write_text(gradescope.constraints_text(), "utf-8")
    written.append(constraints)
    path = repo / WORKFLOW_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workflow(target, install, lang, timeout, stretch=stretch,
                             allow_weak_sandbox=allow_weak_sandbox, show_hidden=show_hidden),
                    "utf-8")
    written.append(path)
    return written
