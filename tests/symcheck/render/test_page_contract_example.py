"""docs/examples/test_trace_page.py, a course's test written against the page's DOM contract, passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from browser import require_chromium

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_documented_course_test_passes(tmp_path: Path) -> None:
    chromium = require_chromium()
    if chromium != "/usr/bin/chromium":
        pytest.skip(f"the example names /usr/bin/chromium; Chromium is at {chromium}")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path),
         str(ROOT / "docs" / "examples" / "test_trace_page.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
