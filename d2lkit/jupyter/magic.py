"""The `%%d2lkit` cell magic: grade a notebook cell in the sandbox, record it, show the report.

    %load_ext d2lkit
    %%d2lkit ch3.softmax [--uses helper1,helper2] [--timeout S] [--seed N] [--lang en|zh]
                         [--workspace DIR] [--device cuda] [--no-run]
    def softmax(X):
        ...

What happens when the cell runs:

 1. The cell's code is graded in the sandbox, never in this kernel: the module the sandbox
    imports is the kit's stub of the exercise's topic, then the definitions of earlier cells that
    the cell uses (functions, classes, imports and simple constants, found from the names it
    reads; `--uses` adds more), then the cell's code (`sources`). Top-level bare expressions
    (a test call such as `softmax(X)`, `print(...)`, a line magic) are left out of the graded
    module: they would only cost time there, and their output belongs in the notebook.
 2. That module is graded by the grading service's `Engine` (`service`): the same runner, graders
    and confined children as `d2lkit check`, with its timeout per call (10 s by default).
 3. The result is recorded in the progress of the workspace: `--workspace`, else
    D2LKIT_WORKSPACE, else the nearest d2lkit.toml in the kernel's folder (the notebook's) or
    above it; when there is none, a workspace is created in the notebook's folder (`d2lkit
    init`, which refuses, changing nothing, if any file it would write exists).
 4. The report is shown under the cell, as HTML without JavaScript (`report`).
 5. Then the cell runs in the kernel as an ordinary cell would, so that later cells can use its
    definitions and its test calls print their output — unless `--no-run`, or the sandbox found
    that the code hangs (timeout) or kills its process (crashed): that code is not run here,
    where it would hang or kill the kernel, and the report says so. This run is the learner's own
    notebook code running in their own kernel; it plays no part in the verdict.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from IPython.core import magic_arguments
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class

from d2lkit.grading.options import DEFAULT_TIMEOUT, new_seed, normalise_device
from d2lkit.grading.protocol import Status
from d2lkit.i18n import LANGS, detect_lang, t

# Put before the cell's code, graded or run, it stands for the cell's `%%d2lkit` line: line n of
# the code is then line n of the cell as the notebook numbers it (a comment, because IPython
# drops the leading empty lines of a cell, which would shift every line after them).
MAGIC_LINE = "# %%d2lkit\n"
# statuses whose code is not run in the kernel after grading: it would hang or kill it there too
NOT_RUN_IN_KERNEL = frozenset({Status.TIMEOUT, Status.CRASHED})


def _exercise(target: str, lang: str):
    """The catalogue and the one exercise `target` names, or a UsageError with the nearest."""
    from d2lkit import catalogue

    cat = catalogue.load()
    try:
        exs = cat.resolve([target])
    except catalogue.TargetError as e:
        lines = [t("cli.unknown-target", lang, target=e.target)]
        if e.suggestions:
            lines.append(t("cli.did-you-mean", lang, names=", ".join(e.suggestions)))
        raise UsageError(" ".join(lines)) from None
    if len(exs) != 1:
        raise UsageError(t("jupyter.one-exercise", lang, target=target,
                           names=", ".join(ex.id for ex in exs[:5])))
    if exs[0].is_quiz:  # an answer, not code: nothing for a cell to define
        raise UsageError(t("quiz.no-magic", lang, id=exs[0].id, file=exs[0].relpath))
    return cat, exs[0]


def shown_path(path) -> str:
    """A folder as a learner recognises it: absolute, with ~ for the home folder."""
    path = Path(path).resolve()
    try:
        return str(Path("~") / path.relative_to(Path.home().resolve()))
    except (ValueError, RuntimeError):
        return str(path)


def workspace_for(explicit: str | None, folder: Path, lang: str):
    """(the workspace to record in or None, notes: functions of the report's language). An
    explicit workspace (or D2LKIT_WORKSPACE) must be one; otherwise the nearest above `folder`,
    else a new one made in `folder` — never over an existing file."""
    from d2lkit.workspace import WorkspaceError, find, init

    try:
        return find(explicit, folder), []
    except WorkspaceError as e:
        if e.key != "no-workspace":
            raise UsageError(t(f"cli.{e.key}", lang, **e.params)) from None
    path = shown_path(folder)
    try:
        ws, _ = init(folder)
    except WorkspaceError as e:
        files = e.params.get("files", "")
        return None, [lambda lang: t("jupyter.not-recorded", lang, reason=t(
            "jupyter.no-workspace-here", lang, path=path, files=files))]
    except OSError as e:
        reason = f"{type(e).__name__}: {e}"
        return None, [lambda lang: t("jupyter.not-recorded", lang, reason=reason)]
    return ws, [lambda lang: t("jupyter.workspace-created", lang, path=path)]


def record(ws, result, seed: int, lang: str) -> str:
    """Record `result` in the workspace's progress; the note to show."""
    from d2lkit.progress import Progress

    warnings = []
    try:
        with Progress(ws.progress_path,
                      warn=lambda key, **params: warnings.append(t(f"cli.{key}", lang, **params))
                      ) as progress, progress.run(result.id, seed, "notebook") as write:
            write(result)
    except (sqlite3.Error, OSError) as e:
        return t("jupyter.not-recorded", lang, reason=f"{type(e).__name__}: {e}")
    return " ".join([*warnings, t("jupyter.recorded", lang, path=shown_path(ws.root))])


def grade_cell(shell, line: str, cell: str, magic=None):
    """Everything `%%d2lkit` does (the module's docstring)."""
    from IPython.display import display

    from d2lkit.jupyter import report, sandboxed
    from d2lkit.jupyter.service import ServiceError
    from d2lkit.jupyter.sources import Part, assemble, collect, strip_bare_expressions
    from d2lkit.paths import content_dir

    args = magic_arguments.parse_argstring(magic, line)
    folder = Path(os.getcwd())
    hint_lang = detect_lang(args.lang)
    _, ex = _exercise(args.exercise, hint_lang)
    uses = tuple(n.strip() for n in (args.uses or "").split(",") if n.strip())
    bad = [n for n in uses if not n.isidentifier()]
    if bad:
        raise UsageError(t("jupyter.bad-uses", hint_lang, names=", ".join(bad)))
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError(t("jupyter.bad-timeout", hint_lang))
    device = normalise_device(args.device)
    if device != "cpu":
        from d2lkit.grading.devices import cuda_available  # imports torch, never initialises CUDA

        if not device.startswith("cuda") or not cuda_available():
            raise UsageError(t("cli.no-cuda", hint_lang))
    ws, first_notes = workspace_for(args.workspace, folder, hint_lang)
    lang = detect_lang(args.lang or (ws.settings().get("lang") if ws is not None else None))
    notes = [note(lang) for note in first_notes]
    seed = new_seed() if args.seed is None else args.seed
    timeout = args.timeout or DEFAULT_TIMEOUT

    # what crosses into the sandbox: source text, never an object of this kernel
    try:
        code = shell.transform_cell(MAGIC_LINE + cell)
    except Exception:  # noqa: BLE001 - the grading reports the syntax error, with its line
        code = MAGIC_LINE + cell
    main, stripped = strip_bare_expressions(code)
    namespace = shell.user_ns
    collected = collect(main, namespace, extra=uses + ex.functions,
                        history=list(namespace.get("In") or ()), transform=shell.transform_cell)
    stub = (content_dir("exercises") / ex.relpath).read_text("utf-8")
    module = assemble(stub, collected, [Part(main, "cell")], stripped=stripped,
                      stub_file=ex.relpath)

    sent = [d.name for d in collected.dependencies]
    defined = set(sent)
    try:
        import ast

        from d2lkit.jupyter.sources import top_level_bindings

        defined |= top_level_bindings(ast.parse(main))
    except SyntaxError:
        defined |= set(ex.functions)  # the syntax error is the report's subject
    missing = [n for n in ex.functions if n not in defined]

    try:
        graded = sandboxed.grade(ex, module, seed=seed, timeout=timeout, device=device,
                                 workspace_root=ws.root if ws is not None else None, lang=lang)
    except ServiceError as e:
        display(report.failure_report(ex.id, str(e), lang, e.log))
        if not args.no_run:
            run_in_kernel(shell, cell)
        return None
    result = graded.result
    if result.code_hash:
        # attempts are counted by changes of the learner's definitions: hash them as
        # `d2lkit check` hashes a file's, without the stub the graded module starts with
        from d2lkit.grading.precheck import code_hash

        result.code_hash = code_hash(module.learner_source, ex.functions)

    if ws is not None:
        notes.append(record(ws, result, seed, lang))
    if sent:
        notes.append(t("jupyter.sent", lang, names=", ".join(sent)))
    if missing:
        notes.append(t("jupyter.missing-definition", lang, names=", ".join(missing)))
    unsendable = collected.unresolved + collected.closures
    if unsendable:
        notes.append(t("jupyter.unresolved", lang, names=", ".join(unsendable)))
    if collected.conflicts:
        notes.append(t("jupyter.conflict", lang, names=", ".join(collected.conflicts)))
    if collected.local_modules:
        notes.append(t("jupyter.local-module", lang, names=", ".join(collected.local_modules)))
    if stripped:
        notes.append(t("jupyter.stripped", lang, count=stripped))
    for weakness in graded.weaknesses:
        notes.append(t("cli.sandbox-weakness", lang, weakness=weakness))
    run_here = not args.no_run and result.status not in NOT_RUN_IN_KERNEL
    if not args.no_run and not run_here:
        from d2lkit.output.messages import status_label

        notes.append(t("jupyter.not-run", lang, status=status_label(result.status, lang)))
    replay = t("jupyter.replay", lang, id=ex.id, seed=seed)
    display(report.render(result, ex, lang, replay=replay, notes=notes, seconds=graded.seconds))
    if run_here:
        run_in_kernel(shell, cell)
    return None


def run_in_kernel(shell, cell: str):
    """Run the cell's code as an ordinary cell (its first line stands for the `%%d2lkit` line,
    so that tracebacks use the line numbers the notebook shows)."""
    shell.run_cell(MAGIC_LINE + cell, store_history=False)


@magics_class
class D2lkitMagics(Magics):
    @magic_arguments.magic_arguments()
    @magic_arguments.argument("exercise", help="the exercise to grade, e.g. ch3.softmax")
    @magic_arguments.argument("--uses", default="", metavar="NAMES",
                              help="more names of earlier cells to send with the cell, "
                                   "comma-separated (the names the cell reads are sent anyway)")
    @magic_arguments.argument("--timeout", type=float, default=None, metavar="S",
                              help=f"seconds allowed for each call into the code "
                                   f"(default {DEFAULT_TIMEOUT:g})")
    @magic_arguments.argument("--seed", type=int, default=None, metavar="N",
                              help="seed of the random inputs (replay a failure)")
    @magic_arguments.argument("--lang", choices=LANGS, default=None,
                              help="language of the report (else the workspace's, else "
                                   "D2LKIT_LANG, else the locale)")
    @magic_arguments.argument("--workspace", default=None, metavar="DIR",
                              help="workspace whose progress records the result")
    @magic_arguments.argument("--device", default="cpu", help="grade on cpu or cuda")
    @magic_arguments.argument("--no-run", dest="no_run", action="store_true",
                              help="grade only: do not also run the cell in this kernel")
    @cell_magic
    def d2lkit(self, line, cell):
        """Grade this cell's code in d2lkit's sandbox, record the result, show the report,
        then run the cell here (see `d2lkit.jupyter.magic`)."""
        return grade_cell(self.shell, line, cell, magic=D2lkitMagics.d2lkit)
