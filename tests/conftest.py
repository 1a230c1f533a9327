"""Shared fixtures for d2lkit's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
D2LKIT = [sys.executable, "-m", "d2lkit"]


def run_cli(*args, cwd=None, env=None, timeout=300, input=None) -> subprocess.CompletedProcess:
    """Run the real command line, as a learner would (a fresh process each time)."""
    full_env = {**os.environ, "D2LKIT_LANG": "en", "COLUMNS": "120", "NO_COLOR": "1", **(env or {})}
    full_env.pop("D2LKIT_WORKSPACE", None) if not (env or {}).get("D2LKIT_WORKSPACE") else None
    return subprocess.run([*D2LKIT, *map(str, args)], cwd=cwd or ROOT, env=full_env, text=True,
                          capture_output=True, timeout=timeout, input=input)


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A fresh learner workspace made by `d2lkit init`."""
    result = run_cli("init", tmp_path / "ws")
    assert result.returncode == 0, result.stderr
    return tmp_path / "ws"
