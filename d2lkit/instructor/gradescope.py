"""The Gradescope autograder pair that `d2lkit gradescope` writes: setup.sh installs d2lkit once
per image, run_autograder grades each submission with `d2lkit grade --format gradescope`.

run_autograder never trusts a results file it did not see being written: it deletes whatever is
at the results path first (a submission could have planted one), and when `d2lkit grade` fails,
is killed, or leaves no valid results, it writes its own results.json that says so (score 0) and
exits non-zero. Its paths are variables with Gradescope's defaults, so that a test can run it.
"""

from __future__ import annotations

import json
import shlex

from d2lkit.grading.options import DEFAULT_TIMEOUT
from d2lkit.i18n import t

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope autograder set-up (written by `d2lkit gradescope`): installs d2lkit once per image.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3-venv python3-pip > /dev/null
python3 -m venv /opt/d2lkit
/opt/d2lkit/bin/pip install -q --index-url https://download.pytorch.org/whl/cpu torch
/opt/d2lkit/bin/pip install -q {requirement}
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission (written by `d2lkit gradescope`).
# The submission is the learner's workspace (their chNN/ folders, or a zip of them).
set -uo pipefail
D2LKIT="${{D2LKIT:-/opt/d2lkit/bin/d2lkit}}"
PYTHON="${{D2LKIT_PYTHON:-/opt/d2lkit/bin/python}}"
SUBMISSION="${{D2LKIT_SUBMISSION:-/autograder/submission}}"
RESULTS="${{D2LKIT_RESULTS:-/autograder/results/results.json}}"
# 1 grades even where the kernel cannot confine learner code (docs/INSTRUCTORS.md); 0 refuses
ALLOW_WEAK_SANDBOX={allow_weak}

mkdir -p "$(dirname "$RESULTS")"
# whatever is there now was not written by this grading (a submission could have planted it)
rm -rf -- "$RESULTS"
weak=()
[ "$ALLOW_WEAK_SANDBOX" = 1 ] && weak=(--allow-weak-sandbox)
"$D2LKIT" grade "$SUBMISSION" --target {target} --timeout {timeout} --lang {lang} \\
    --format gradescope --out "$RESULTS" --no-progress ${{weak[@]+"${{weak[@]}}"}}
status=$?

# a failing submission is a score (exit 0); a failing grader must not look like one
if [ "$status" -eq 0 ] && "$PYTHON" - "$RESULTS" <<'CHECK'
import json, math, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        r = json.load(f)
    score = r["score"]
    ok = (isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score)
          and isinstance(r.get("tests", []), list))
except Exception:
    ok = False
sys.exit(0 if ok else 1)
CHECK
then
    exit 0
fi
echo "d2lkit grade failed (exit status $status) or wrote no valid results; see the log above" >&2
FAILED={failed}
tmp="$RESULTS.failed.$$"
printf '%s\\n' "${{FAILED//__STATUS__/$status}}" > "$tmp" && mv -f -- "$tmp" "$RESULTS"
exit 1
"""


def failed_results(lang: str) -> str:
    """The results.json run_autograder writes when the grading itself failed (`__STATUS__` is
    replaced by the exit status): score 0, and a message that blames the autograder."""
    return json.dumps({"score": 0, "output": t("instructor.autograder-failed", lang),
                       "visibility": "visible", "stdout_visibility": "hidden", "tests": []},
                      ensure_ascii=True)


def files(target: str, lang: str = "en", timeout: float = DEFAULT_TIMEOUT,
          requirement: str = "d2lkit", allow_weak_sandbox: bool = False) -> dict[str, str]:
    """File name → contents of the pair."""
    return {"setup.sh": SETUP_SH.format(requirement=requirement),
            "run_autograder": RUN_AUTOGRADER.format(
                target=shlex.quote(target), lang=shlex.quote(lang), timeout=timeout,
                allow_weak=1 if allow_weak_sandbox else 0,
                failed=shlex.quote(failed_results(lang)))}
