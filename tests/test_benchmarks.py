"""The benchmark scripts still measure what they say: a worker that grades with the reference
solutions must find every exercise passed (a quiz by its measured truth), or its figure is of a
failing run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_ch11_figure_is_of_a_run_where_code_and_quizzes_all_pass():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--worker",
                          "sandboxed", "ch11"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]  # the worker asserts every result passed
    seconds = json.loads(out.stdout.strip().splitlines()[-1])
    assert isinstance(seconds, float) and seconds > 0
