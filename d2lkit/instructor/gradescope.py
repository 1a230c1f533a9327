"""Gradescope: the autograder `d2lkit gradescope` writes, and what it runs for each submission.

`write()` makes `autograder.zip`: `setup.sh` (run once per image: a venv with torch's CPU build
from PyTorch's index and d2lkit from **the wheel in the zip** — no package index is needed for
d2lkit itself — everything pinned by the `constraints.txt` beside it), `run_autograder` (run for
each submission), the wheel (built from this d2lkit's own checkout with `pip wheel --no-deps
--no-build-isolation --no-index`, or given with `--wheel`) and `constraints.txt`. The course's
settings (stretch rule, when checks marked hidden are shown) are written into `run_autograder`.

`python -m d2lkit.instructor.gradescope` is what `run_autograder` runs (`main`):

* it makes itself a child subreaper and deletes whatever is at the results path;
* it finds the one workspace in the upload, whatever its shape (`locate`): files dragged in
  flat, one folder, nested folders, a zip of a workspace. An upload with several workspaces, two
  copies of a file, nothing of the assignment or a zip it cannot open safely is not graded: the
  learner gets a valid results.json that says why;
* it grades in the strongest sandbox this container allows (`probe` confines a throw-away
  child first: a container may advertise Landlock and refuse to apply it): strict with Landlock
  (a hardening step that fails stops that attempt, which then runs again without strictness),
  else everything but Landlock, else the in-process guards only — or refuses, with
  `--require-landlock`; the level it ran with goes into the results' top-level `output`, for
  the instructor;
* once grading is over — every engine closed, then every process still below it killed and
  reaped — it writes results.json itself, atomically (a temporary file in the same folder,
  renamed over the path). Nothing else is ever believed: the file is deleted first, and written
  last by this process.

If it fails or is killed, `run_autograder` writes its own valid results.json (score 0, "the
autograder failed", not a verdict on the learner's code) and exits 1. Paths come from
`AUTOGRADER_ROOT` (default /autograder) and `D2LKIT_VENV` (default /opt/d2lkit), so that a test
can stand a folder in for Gradescope's machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from d2lkit.grading.options import DEFAULT_TIMEOUT
from d2lkit.grading.results import DEFAULT_STRETCH_RULE, STRETCH_RULES
from d2lkit.i18n import t
from d2lkit.instructor.course import DEFAULT_HIDDEN_VISIBILITY, VISIBILITIES

TORCH_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope autograder set-up, written by `d2lkit gradescope` (d2lkit {version}); run once per
# image. d2lkit is installed from the wheel in this zip: no package index is needed for it. Only
# torch (the CPU build, from PyTorch's index) and d2lkit's other dependencies are downloaded, all
# pinned by constraints.txt.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
VENV="${{D2LKIT_VENV:-/opt/d2lkit}}"
PYTHON="${{D2LKIT_BASE_PYTHON:-python3}}"   # Python >= 3.10 (Ubuntu 22.04 has 3.10)
TORCH_INDEX="${{D2LKIT_TORCH_INDEX-{torch_index}}}"

if ! "$PYTHON" -c "import ensurepip, venv" 2> /dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip > /dev/null
fi
"$PYTHON" -m venv "$VENV"
index=()
[ -n "$TORCH_INDEX" ] && index=(--index-url "$TORCH_INDEX")
"$VENV/bin/pip" install -q -c "$SOURCE/constraints.txt" ${{index[@]+"${{index[@]}}"}} torch
"$VENV/bin/pip" install -q -c "$SOURCE/constraints.txt" "$SOURCE/{wheel}"
"$VENV/bin/python" -m d2lkit --version
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission; written by `d2lkit gradescope` (d2lkit {version}).
# d2lkit finds the workspace in the upload (files, a folder, nested folders or a zip), grades it
# in the strongest sandbox this container allows, and writes results.json itself, atomically,
# once every process that ran the learner's code is gone. When it fails or is killed, this script
# writes a valid results.json that says so (score 0, not a verdict on the learner's code).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
VENV="${{D2LKIT_VENV:-/opt/d2lkit}}"
RESULTS="$ROOT/results/results.json"

mkdir -p "$ROOT/results"
# whatever is there now was not written by this grading (a submission could have planted it)
rm -rf -- "$RESULTS"
"$VENV/bin/python" -m d2lkit.instructor.gradescope --submission "$ROOT/submission" \\
    --results "$RESULTS" --target {target} --timeout {timeout} --lang {lang} \\
    --stretch {stretch} --hidden-visibility {hidden_visibility}{require}{show_hidden}
status=$?
if [ "$status" -eq 0 ] && [ -f "$RESULTS" ] && [ ! -L "$RESULTS" ]; then
    exit 0
fi
echo "d2lkit's autograder failed (exit status $status) or wrote no results; see the log above" >&2
FAILED={failed}
tmp="$RESULTS.failed.$$"
rm -f -- "$tmp"
printf '%s\\n' "${{FAILED//__STATUS__/$status}}" > "$tmp" && mv -f -- "$tmp" "$RESULTS"
exit 1
"""


def failed_results(lang: str) -> str:
    """The results.json run_autograder writes when the grading itself failed (`__STATUS__` is
    replaced by the exit status): score 0, and a message that blames the autograder."""
    return json.dumps({"score": 0, "output": t("instructor.autograder-failed", lang),
                       "visibility": "visible", "stdout_visibility": "hidden", "tests": []},
                      ensure_ascii=True)


def files(target: str, lang: str = "en", timeout: float = DEFAULT_TIMEOUT, *,
          wheel: str = "d2lkit-0-py3-none-any.whl", stretch: str = DEFAULT_STRETCH_RULE,
          hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY, require_landlock: bool = False,
          show_hidden: bool = False, torch_index: str = TORCH_INDEX) -> dict[str, str]:
    """File name → contents of setup.sh and run_autograder."""
    from d2lkit import __version__

    if stretch not in STRETCH_RULES or hidden_visibility not in VISIBILITIES:
        raise ValueError(f"stretch {stretch!r} / hidden visibility {hidden_visibility!r}")
    return {"setup.sh": SETUP_SH.format(version=__version__, wheel=shlex.quote(wheel),
                                        torch_index=torch_index),
            "run_autograder": RUN_AUTOGRADER.format(
                version=__version__, target=shlex.quote(target), lang=shlex.quote(lang),
                timeout=float(timeout), stretch=stretch, hidden_visibility=hidden_visibility,
                require=" --require-landlock" if require_landlock else "",
                show_hidden=" --show-hidden" if show_hidden else "",
                failed=shlex.quote(failed_results(lang)))}


# ------------------------------------------------------------------------------ the wheel
class WheelError(Exception):
    """No wheel of d2lkit could be had: `key` (a locale key) and its parameters say why."""

    def __init__(self, key: str, **params):
        super().__init__(f"{key}: {params}")
        self.key, self.params = key, params


# what a wheel is built from (setup.cfg maps the three trees into the package)
SOURCE_FILES = ("setup.cfg", "pyproject.toml", "README.md", "MANIFEST.in", "LICENSE")
SOURCE_TREES = ("d2lkit", "exercises", "solutions", "grader")


def checkout_root() -> Path | None:
    """This d2lkit's own checkout (installed from it, editable or not), or None."""
    root = Path(__file__).resolve().parents[2]
    if all((root / name).is_file() for name in ("setup.cfg", "pyproject.toml")) and \
            all((root / tree).is_dir() for tree in SOURCE_TREES):
        return root
    return None


def build_wheel(dest: Path, root: Path | None = None) -> Path:
    """Build d2lkit's wheel from its checkout into `dest`, never from the network: a copy of the
    sources (so that nothing is written into the checkout, where other builds may run), then
    `pip wheel --no-deps --no-build-isolation --no-index` with this interpreter's setuptools."""
    root = root or checkout_root()
    if root is None:
        raise WheelError("instructor.no-wheel")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="d2lkit-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in SOURCE_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, src / name)
        junk = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
        for tree in SOURCE_TREES:
            shutil.copytree(root / tree, src / tree, ignore=junk, symlinks=False)
        out = Path(tmp) / "dist"
        env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                              "--no-build-isolation", "--no-index", "-q", "-w", str(out)],
                             capture_output=True, text=True, env=env, timeout=600)
        wheels = sorted(out.glob("d2lkit-*.whl"))
        if run.returncode != 0 or len(wheels) != 1:
            message = (run.stderr.strip() or run.stdout.strip() or "no wheel").splitlines()[-1]
            raise WheelError("instructor.wheel-failed", root=str(root), message=message[:300])
        target = dest / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def constraints_text(root: Path | None = None) -> str:
    """The checkout's constraints.txt (torch pinned to the CPU build's version), else a pin of
    the torch this d2lkit runs with."""
    root = root or checkout_root()
    if root is not None and (root / "constraints.txt").is_file():
        return (root / "constraints.txt").read_text("utf-8")
    from importlib.metadata import PackageNotFoundError, version

    try:
        torch = version("torch").split("+")[0]
    except PackageNotFoundError:
        return "# torch is not installed where this autograder was made: nothing pinned\n"
    return f"# the torch this autograder was made with (d2lkit gradescope)\ntorch=={torch}\n"


ZIP_NAME = "autograder.zip"


def write(folder: Path, target: str, lang: str = "en", timeout: float = DEFAULT_TIMEOUT, *,
          wheel: Path | None = None, stretch: str = DEFAULT_STRETCH_RULE,
          hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY, require_landlock: bool = False,
          show_hidden: bool = False) -> tuple[Path, list[Path]]:
    """Write the autograder's files into `folder` and `folder/autograder.zip` holding them all
    at its root (as Gradescope wants it). Returns (the zip, the files)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if wheel is None:
        for old in folder.glob("d2lkit-*.whl"):
            old.unlink()
        wheel = build_wheel(folder)
    else:
        wheel = Path(wheel)
        if not (wheel.is_file() and re.fullmatch(r"d2lkit-[^-]+-.+\.whl", wheel.name)):
            raise WheelError("instructor.bad-wheel", path=str(wheel))
        if wheel.resolve().parent != folder.resolve():
            for old in folder.glob("d2lkit-*.whl"):
                old.unlink()
            wheel = Path(shutil.copyfile(wheel, folder / wheel.name))
    written = [wheel]
    contents = files(target, lang, timeout, wheel=wheel.name, stretch=stretch,
                     hidden_visibility=hidden_visibility, require_landlock=require_landlock,
                     show_hidden=show_hidden)
    contents["constraints.txt"] = constraints_text()
    for name, text in contents.items():
        path = folder / name
        path.write_text(text, "utf-8")
        path.chmod(0o644 if name.endswith(".txt") else 0o755)
        written.append(path)
    archive = folder / ZIP_NAME
    tmp = folder / f".{ZIP_NAME}.tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for path in written:
            info = zipfile.ZipInfo(path.name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | (0o755 if os.access(path, os.X_OK)
                                                  and path.suffix != ".whl" else 0o644)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    os.replace(tmp, archive)
    return archive, written


# ------------------------------------------------------------------------------ the upload
MAX_DEPTH = 8  # folder levels searched below the submission folder
MAX_ENTRIES = 20_000  # folder entries looked at
MAX_ZIP_BYTES = 50 * 1024**2  # of *.py files taken from an uploaded zip
SKIP = ("__MACOSX", "__pycache__", "node_modules")
_CHAPTER = re.compile(r"ch[0-9]{2}")
LISTED = 5  # names listed in a message


@dataclass
class Upload:
    """Where the one workspace of an upload is, or why there is none (a locale key and its
    parameters)."""
    workspace: Path | None = None
    problem: tuple[str, dict] | None = None


@dataclass
class _Scan:
    chapter_parents: list[Path] = field(default_factory=list)
    flat: dict[str, list[Path]] = field(default_factory=dict)  # file name → where it was found
    zips: list[Path] = field(default_factory=list)
    entries: int = 0


def _scan(root: Path, wanted: set[str]) -> _Scan:
    """One walk, never through a symlink: folders holding chNN/ folders, the assignment's files
    lying outside any chNN/ folder, and zip files."""
    scan = _Scan()

    def walk(folder: Path, depth: int):
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        found_chapter = False
        for e in entries:
            scan.entries += 1
            if scan.entries > MAX_ENTRIES:
                return
            if e.is_symlink():
                continue
            if e.is_dir(follow_symlinks=False):
                if _CHAPTER.fullmatch(e.name):
                    found_chapter = True  # a chapter folder: not searched for more workspaces
                elif not e.name.startswith(".") and e.name not in SKIP and depth < MAX_DEPTH:
                    walk(Path(e.path), depth + 1)
            elif e.is_file(follow_symlinks=False):
                if e.name in wanted:
                    scan.flat.setdefault(e.name, []).append(Path(e.path))
                elif e.name.lower().endswith(".zip"):
                    scan.zips.append(Path(e.path))
        if found_chapter:
            scan.chapter_parents.append(folder)

    walk(root, 0)
    return scan


def _shown(paths, root: Path) -> str:
    names = []
    for p in paths:
        rel = os.path.relpath(p, root)
        names.append("." if rel == "." else rel)
    more = f", … (+{len(names) - LISTED})" if len(names) > LISTED else ""
    return ", ".join(names[:LISTED]) + more


def _read_regular(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes (never through a symlink, never blocking on a FIFO), at most
    `limit` + 1 of them; None when it is not a regular file any more."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read(limit + 1)


def _unzip(archive: Path, dest: Path) -> str | None:
    """Extract the `*.py` files of `archive` into `dest`, safely: no absolute paths or `..`, no
    symlinks, at most MAX_ZIP_BYTES and MAX_ENTRIES (sizes as read, not as the zip claims).
    Returns why it could not, or None."""
    data = _read_regular(archive, MAX_ZIP_BYTES * 4)
    if data is None:
        return "not a regular file"
    if len(data) > MAX_ZIP_BYTES * 4:
        return "too large"
    import io

    budget = MAX_ZIP_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_ENTRIES:
                return f"more than {MAX_ENTRIES} entries"
            for info in infos:
                name = info.filename.replace("\\", "/")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                mode = info.external_attr >> 16
                if info.is_dir() or not (name.endswith(".py") or parts[-1:] == ["quiz.toml"]) \
                        or stat.S_ISLNK(mode):
                    continue
                if name.startswith("/") or ".." in parts or not parts or \
                        any(p in SKIP or p.startswith(".") for p in parts[:-1]):
                    continue
                target = dest.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src:
                    chunk = src.read(budget + 1)
                budget -= len(chunk)
                if budget < 0:
                    return f"more than {MAX_ZIP_BYTES // 1024**2} MiB of Python files"
                with open(target, "xb") as out:
                    out.write(chunk)
    except FileExistsError:
        return "a file is in it twice"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            RuntimeError, EOFError, ValueError) as e:  # RuntimeError: encrypted
        return f"{type(e).__name__}: {e}"[:200]
    return None


def locate(root: Path, exercises, scratch: Path, *, unzip: bool = True) -> Upload:
    """The one workspace of an upload: a folder holding chNN/ folders (at the top or nested),
    else the assignment's files dragged in flat (copied into a workspace under `scratch`), else
    one zip file holding either (extracted under `scratch`, `*.py` and quiz answers files only)."""
    relpaths = {Path(ex.relpath).name: ex.relpath for ex in exercises}
    scan = _scan(Path(root), set(relpaths))
    if scan.chapter_parents:
        if len(scan.chapter_parents) > 1:
            return Upload(problem=("instructor.gs-several", {
                "count": len(scan.chapter_parents), "names": _shown(scan.chapter_parents, root)}))
        return Upload(workspace=scan.chapter_parents[0])
    if scan.flat:
        for name, paths in sorted(scan.flat.items()):
            if len(paths) > 1:
                return Upload(problem=("instructor.gs-duplicate", {
                    "name": name, "count": len(paths), "paths": _shown(paths, root)}))
        ws = Path(tempfile.mkdtemp(prefix="flat-", dir=scratch))
        for name, [path] in sorted(scan.flat.items()):
            data = _read_regular(path, MAX_ZIP_BYTES)
            if data is None:
                continue
            target = ws / relpaths[name]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[:MAX_ZIP_BYTES + 1])  # the private copy enforces the limit
        return Upload(workspace=ws)
    if scan.zips and unzip:
        if len(scan.zips) > 1:
            return Upload(problem=("instructor.gs-several", {
                "count": len(scan.zips), "names": _shown(scan.zips, root)}))
        dest = Path(tempfile.mkdtemp(prefix="unzipped-", dir=scratch))
        why = _unzip(scan.zips[0], dest)
        if why:
            return Upload(problem=("instructor.gs-bad-zip", {
                "name": _shown(scan.zips, root), "message": why}))
        inner = locate(dest, exercises, scratch, unzip=False)
        if inner.problem and inner.problem[0] != "instructor.gs-nothing":
            return inner
        if inner.workspace is not None:
            return inner
    expected = ", ".join(sorted(set(relpaths.values())))
    return Upload(problem=("instructor.gs-nothing", {"expected": expected}))


def problem_results(key: str, params: dict, lang: str) -> str:
    """A valid results.json for an upload that was not graded: score 0 and why."""
    return json.dumps({"score": 0, "output": t(key, lang, **params), "visibility": "visible",
                       "stdout_visibility": "hidden", "tests": []}, ensure_ascii=False, indent=2)


# ------------------------------------------------------------------------------ processes
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Every process started below this one, even one that left its parent, is reparented here
    (Linux), so that `end_descendants` finds it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def end_descendants(rounds: int = 50) -> int:
    """Kill and reap every process still below this one (with a subreaper, orphans of orphans
    come back here, round after round, until none is left). Returns how many were killed."""
    if not os.path.isdir("/proc"):
        return 0
    killed = 0
    me = os.getpid()
    for _ in range(rounds):
        kids = _children(me)
        if not kids:
            break
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        for pid in kids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return killed


# ------------------------------------------------------------------------------ grading
@dataclass
class Graded:
    graded: list  # batch.Graded, one
    weaknesses: list[str]
    level: str  # what the instructor reads: the sandbox this ran in
    strict: bool
    refused: str = ""  # --require-landlock on a machine without the full sandbox: why


def _try_confine(policy) -> str:
    """Apply `policy` in a throw-away child, as every grading child will: "" when it worked,
    else why not. A kernel (or a container's seccomp profile) may advertise Landlock and still
    refuse to apply it; only trying tells."""
    from d2lkit.grading import confine

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the probe: nothing but the confinement runs here
        try:
            os.close(r)
            try:
                confine.apply(policy)
                os.write(w, b"ok")
            except BaseException as e:  # noqa: BLE001 - any failure is the answer
                os.write(w, f"{type(e).__name__}: {e}".encode()[:300] or b"?")
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        answer = f.read()
    os.waitpid(pid, 0)
    return "" if answer == b"ok" else (answer.decode("utf-8", "replace") or "the probe died")


def probe() -> tuple[str, int, str]:
    """The strongest confinement this machine applies: ("landlock", abi, ""), ("no-landlock",
    abi, why) — seccomp, no_new_privs and the uid change without Landlock — or ("none", abi,
    why) when even those fail."""
    from d2lkit.grading import confine
    from d2lkit.grading.child import runtime_read_paths

    abi = confine.landlock_abi()
    with tempfile.TemporaryDirectory(prefix="d2lkit-probe-") as scratch:
        read = tuple(runtime_read_paths())
        policy = confine.Policy(read=read, write=(scratch,),
                                nobody_reads=confine.nobody_can_read(read))
        why = _try_confine(policy) if abi > 0 else "no Landlock"
        if abi > 0 and not why:
            return "landlock", abi, ""
        weaker = _try_confine(confine.Policy(read=read, write=(scratch,), landlock=False,
                                             nobody_reads=policy.nobody_reads))
    return ("no-landlock", abi, why) if not weaker else ("none", abi, weaker)


def grade_best(sub, exercises, options, lang: str, require_landlock: bool = False) -> Graded:
    """Grade in the strictest sandbox this machine allows (module docstring): `probe` first,
    then strict when Landlock works (a strict attempt that fails falls back to the same
    confinement without strictness), else what the probe found to work."""
    from d2lkit.grading import confine
    from d2lkit.grading.sandbox import SandboxError
    from d2lkit.instructor import batch

    kind, abi, reason = probe()
    weaknesses: list[str] = []
    if kind == "landlock":
        try:
            graded = batch.grade([sub], exercises, options.but(strict=True),
                                 on_weakness=weaknesses.append)
            return Graded(graded, weaknesses, t("instructor.gs-level-strict", lang, abi=abi), True)
        except SandboxError as e:
            reason = str(e)
            level = t("instructor.gs-level-weak", lang, abi=abi, reason=reason)
    elif kind == "no-landlock":
        level = (t("instructor.gs-level-weak", lang, abi=abi, reason=reason) if abi
                 else t("instructor.gs-level-none", lang))
        # the engine asks `landlock_abi()` whether to apply Landlock; where the kernel has it but
        # refuses to apply it, this process (a grading of its own) and the children it forks
        # take it as absent: they are then confined by everything else, and say so
        confine.landlock_abi = lambda: 0
    else:
        level = t("instructor.gs-level-off", lang, reason=reason)
        options = options.but(confine=False)
    if require_landlock:
        return Graded([], [], level, False, refused=reason)
    weaknesses = []
    graded = batch.grade([sub], exercises, options.but(strict=False),
                         on_weakness=weaknesses.append)
    if kind == "none":
        weaknesses.insert(0, f"no kernel confinement: {reason}")
    return Graded(graded, weaknesses, level, False)


def write_results(path: Path, text: str):
    """Atomically, replacing (never following) whatever is there; then read back."""
    from d2lkit.cli.instructor import write_atomic

    write_atomic(str(path), text)
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise RuntimeError(f"{path} is not the file just written")


def _remove(path: Path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m d2lkit.instructor.gradescope",
                                     description="Grade one Gradescope submission "
                                                 "(run by run_autograder).")
    parser.add_argument("--submission", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--stretch", choices=STRETCH_RULES, default=DEFAULT_STRETCH_RULE)
    parser.add_argument("--hidden-visibility", choices=VISIBILITIES,
                        default=DEFAULT_HIDDEN_VISIBILITY)
    parser.add_argument("--require-landlock", action="store_true")
    parser.add_argument("--show-hidden", action="store_true",
                        help="feedback shows checks marked hidden in full (the instructor's choice)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)

    become_subreaper()
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    _remove(results)  # not written by this grading

    from d2lkit import catalogue
    from d2lkit.grading.options import Options, new_seed
    from d2lkit.instructor import batch
    from d2lkit.output import formats

    lang = args.lang
    cat = catalogue.load()
    exercises = cat.resolve([args.target])
    scratch = Path(tempfile.mkdtemp(prefix="d2lkit-upload-"))
    try:
        upload = locate(Path(args.submission), exercises, scratch)
        if upload.problem:
            print(f"not graded: {upload.problem[0]} {upload.problem[1]}", file=sys.stderr)
            write_results(results, problem_results(*upload.problem, lang))
            return 0
        print(f"grading the workspace at {upload.workspace}", file=sys.stderr)
        options = Options(seed=new_seed() if args.seed is None else args.seed,
                          timeout=args.timeout, lang=lang)
        sub = batch.Submission("submission", upload.workspace)
        run = grade_best(sub, exercises, options, lang, args.require_landlock)
        print(f"sandbox: {run.level}", file=sys.stderr)
        for w in run.weaknesses:
            print(f"sandbox weakness: {w}", file=sys.stderr)
        # every engine is closed; anything still below this process goes before the file is
        # written, so that nothing that ran learner code outlives the grading
        killed = end_descendants()
        if killed:
            print(f"ended {killed} leftover process(es)", file=sys.stderr)
        if run.refused:
            write_results(results, problem_results(
                "instructor.gs-landlock-required", {"reason": run.refused}, lang))
            return 0
        note = t("instructor.gs-sandbox", lang, level=run.level)
        text = formats.render("gradescope", formats.GradeRun(
            run.graded, cat, exercises, args.target, options.but(strict=run.strict),
            tuple(run.weaknesses), stretch=args.stretch,
            hidden_visibility=args.hidden_visibility, notes=(note,),
            show_hidden=args.show_hidden))
        write_results(results, text)
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
