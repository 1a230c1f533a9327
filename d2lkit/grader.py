"""Grading from the REPL, a script, or a notebook's test cell (nbgrader's hidden tests call it).

    from d2lkit.grader import check
    check("ch3.softmax", softmax)            # the learner's function, whatever its name
    check("ch2.vector_norm", vector_norm_ok) # graded as vector_norm
    check("ch5.MySequential", MySequential)  # classes too

`check` grades the SOURCE of what it is given in the sandbox whenever it can read it: a function
or class defined in a file or in a notebook cell is sent, with the definitions of its module
that it uses (helpers, imports, simple constants; `d2lkit.jupyter.sources`), to the grading
service, whose engine grades it like `d2lkit check` — the same runner and graders, in a confined
child, with the usual timeout per call (an endless loop ends after `timeout` seconds, the
caller's process is never at risk). A function passed under another name is graded under the
exercise's name (its own name stays bound to it, so it can still call itself).

When the source cannot be used — a lambda, a function typed at a plain `python` prompt, a
closure over another function's variables, code that reads a value that cannot be sent as source
(a tensor, a model instance), or `sandbox=False` — `check` grades the objects in this process,
through the same runner and graders (`grade` below). That run is NOT confined: the learner's code
runs with the caller's rights and no timeout of its own (a notebook's per-cell timeout bounds
it), so it could change anything the caller can, including the verdict; the report says so and
why. `d2lkit check` and `%%d2lkit` give verdicts that count.

`check` prints one line when the exercise passes and returns a `Checked` whose repr is one line;
otherwise it raises `ExerciseFailed` (an AssertionError: nbgrader's test cells rely on it) whose
message is the whole report, so that it is shown once, by whoever shows the exception (IPython
shows just the report, without a traceback). It records nothing in progress; `%%d2lkit` does.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
import types

from d2lkit.grading.options import DEFAULT_TIMEOUT
from d2lkit.grading.protocol import Status
from d2lkit.grading.results import Detail, ExerciseResult


class ExerciseFailed(AssertionError):
    """An exercise did not pass; the message is the report."""

    def __init__(self, result: ExerciseResult, text: str):
        super().__init__(text)
        self.result = result

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: the report, once."""
        return str(self).splitlines()


class Checked:
    """What `check` returns for an exercise that passed: the result (its attributes are the
    result's: `.passed`, `.points`, `.status`, …) and whether the sandbox graded it; one line
    when echoed."""

    def __init__(self, result: ExerciseResult, confined: bool):
        self.result = result
        self.confined = confined

    def __getattr__(self, name):
        return getattr(self.result, name)

    def __repr__(self) -> str:
        where = "sandbox" if self.confined else "in-process, not confined"
        return (f"<d2lkit {self.result.id}: {self.result.status.value}, "
                f"{self.result.points}/{self.result.max_points} points ({where})>")


def _namespace(ex, objects: tuple, named: dict) -> dict:
    """The learner's objects by the names the exercise defines: by their own name when it is one
    of them, else (`check("ch2.vector_norm", my_norm)`) in the order the exercise lists them."""
    namespace = dict(named)
    unnamed = []
    for obj in objects:
        name = getattr(obj, "__name__", None)
        if name in ex.functions and name not in namespace:
            namespace[name] = obj
        else:
            unnamed.append(obj)
    for name in ex.functions:
        if name not in namespace and unnamed:
            namespace[name] = unnamed.pop(0)
    return namespace


class InProcessTransport:
    """The runner's transport for objects of this process: a static scan of their source instead
    of the file pre-check, and an `InProcessStudent` per exercise."""

    def __init__(self, namespace: dict, device: str):
        self.namespace = namespace
        self.device = device

    def precheck(self, ex) -> tuple[ExerciseResult | None, str]:
        from d2lkit.grading.tripwire import scan

        missing = [n for n in ex.functions if n not in self.namespace]
        if missing:
            return ExerciseResult.of(ex, Status.ERROR, detail=Detail(
                "missing", {"names": missing, "file": "<notebook>"})), ""
        for name, obj in self.namespace.items():
            try:
                source = textwrap.dedent(inspect.getsource(obj))
            except (OSError, TypeError):
                continue
            found = scan(source, "<notebook>", (name,), ex.forbid)
            if found:
                v = found[0]
                return ExerciseResult.of(ex, Status.FORBIDDEN, detail=Detail("forbidden-static", {
                    "name": v.name, "line": v.line, "code": v.code})), ""
        return None, ""

    def student(self, ex):
        from d2lkit.grading.student import InProcessStudent

        return InProcessStudent(ex, self.namespace, self.device)


def _exercise(exercise_id: str):
    from d2lkit import catalogue

    cat = catalogue.load()
    return cat.by_id[exercise_id] if exercise_id in cat.by_id else cat.resolve([exercise_id])[0]


def grade(exercise_id: str, *objects, seed: int = 0, device: str = "cpu", **named) -> ExerciseResult:
    """Grade an exercise against objects of this process (unconfined; see the module's
    docstring); returns the result (never raises for a wrong answer)."""
    import torch  # noqa: F401 - graders need it; imported here so `import d2lkit.grader` is cheap

    from d2lkit.grading import runner
    from d2lkit.grading.options import Options

    ex = _exercise(exercise_id)
    options = Options(seed=seed, device=device)
    transport = InProcessTransport(_namespace(ex, objects, named), options.device)
    [result] = runner.run([ex], transport, options)
    return result


# ------------------------------------------------------------------------------ through the sandbox
def _variable_name(obj, names: dict) -> str | None:
    return next((k for k, v in names.items() if v is obj and k.isidentifier()), None)


def sandbox_module(ex, mapping: dict):
    """(the module to grade in the sandbox for these objects, None) or (None, why not: a
    function of the language taking it) — built from their source, never from the objects."""
    from d2lkit.i18n import t
    from d2lkit.jupyter.sources import (Collected, Part, assemble, collect, definition_source,
                                        rename_definition)
    from d2lkit.paths import content_dir

    missing = [n for n in ex.functions if n not in mapping]
    if missing:
        return None, lambda lang: t("repl.why-missing", lang, names=", ".join(missing))
    parts, collected = [], Collected()
    for name, obj in mapping.items():
        if not isinstance(obj, (types.FunctionType, type)):
            return None, lambda lang, name=name: t("repl.why-no-source", lang, name=name)
        if isinstance(obj, types.FunctionType):
            names = obj.__globals__
        else:
            module = sys.modules.get(obj.__module__)
            names = vars(module) if module is not None else {}
        lambda_ = obj.__name__ == "<lambda>"
        own = (_variable_name(obj, names) if lambda_ else obj.__name__) or name
        source, why, first = definition_source(obj, own)
        if source is None:
            key = "repl.why-closure" if why == "closure" else "repl.why-no-source"
            return None, lambda lang, key=key, name=name: t(key, lang, name=name)
        try:
            if lambda_:
                source = source + ("" if own == name else f"{name} = {own}\n")
            else:
                source = rename_definition(source, own, name)
        except (SyntaxError, ValueError):
            return None, lambda lang, name=name: t("repl.why-no-source", lang, name=name)
        code = next(iter(_codes(obj)), None)
        file = code.co_filename if code is not None else ""
        parts.append(Part(source, "object", name=name, file=file, offset=max(first - 1, 0)))
        found = collect(source, names, skip=set(ex.functions) | {own})
        for dep in found.dependencies:
            known = next((d for d in collected.dependencies if d.name == dep.name), None)
            if known is None:
                collected.dependencies.append(dep)
            elif known.text != dep.text:
                collected.conflicts.append(dep.name)
        collected.unresolved += found.unresolved + found.closures
        collected.conflicts += found.conflicts
        collected.local_modules += found.local_modules
    if collected.unresolved:
        names = ", ".join(dict.fromkeys(collected.unresolved))
        return None, lambda lang: t("repl.why-unresolved", lang, names=names)
    if collected.conflicts:
        names = ", ".join(dict.fromkeys(collected.conflicts))
        return None, lambda lang: t("repl.why-conflict", lang, names=names)
    stub = (content_dir("exercises") / ex.relpath).read_text("utf-8")
    return assemble(stub, collected, parts, stub_file=ex.relpath), None


def _codes(obj):
    from d2lkit.jupyter.sources import _code_objects

    return _code_objects(obj)


def check(exercise_id: str, *objects, lang: str | None = None, seed: int = 0,
          device: str = "cpu", quiet: bool = False, timeout: float = DEFAULT_TIMEOUT,
          sandbox: bool | None = None, **named) -> Checked:
    """Grade (in the sandbox when the source can be read; see the module's docstring), print
    one line and return a `Checked` if it passed, else raise `ExerciseFailed` with the report.
    `sandbox=True` refuses to grade in-process, `sandbox=False` never uses the sandbox."""
    from d2lkit.i18n import detect_lang, t
    from d2lkit.jupyter.report import _where_lines
    from d2lkit.output.messages import failure_lines, status_label

    lang = detect_lang(lang)
    ex = None
    why = (lambda lang: t("repl.why-asked", lang)) if sandbox is False else None
    result = None
    if sandbox is not False:
        try:
            ex = _exercise(exercise_id)
        except Exception:  # noqa: BLE001 - an unknown id: `grade` raises the usual error
            ex = None
        if ex is not None:
            module, why = sandbox_module(ex, _namespace(ex, objects, named))
            if module is not None:
                from d2lkit.jupyter import sandboxed
                from d2lkit.jupyter.service import ServiceError

                try:
                    result = sandboxed.grade(ex, module, seed=seed, timeout=timeout,
                                             device=device, lang=lang).result
                except ServiceError as e:
                    message = str(e)
                    why = lambda lang: t("repl.why-sandbox-failed", lang, message=message)  # noqa: E731
    confined = result is not None
    if result is None:
        if sandbox is True:
            raise RuntimeError(t("repl.why", lang, reason=why(lang) if why else "?"))
        result = grade(exercise_id, *objects, seed=seed, device=device, **named)
    if ex is None or ex.id != result.id:
        from d2lkit import catalogue

        ex = catalogue.load().by_id.get(result.id)
    lines = [f"{result.id}: {status_label(result.status, lang)} ({result.points}/{result.max_points})"]
    lines += [line.text for line in failure_lines(result, ex, lang)]
    if not result.passed:
        lines += _where_lines(result, lang)
    if not confined:
        lines.append(t("repl.not-confined", lang))
        if why is not None:
            lines.append(t("repl.why", lang, reason=why(lang)))
    text = "\n".join(lines)
    if not result.passed:
        raise ExerciseFailed(result, text)
    if not quiet:
        print(text)
    return Checked(result, confined)
