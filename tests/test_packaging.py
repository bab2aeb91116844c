"""The distribution a user installs: its metadata, one version source, and an sdist that carries its tests.

`bash .ci/check-sdist` goes further by hand (docs/how-it-works.md): it installs
the unpacked sdist into a fresh environment and runs this whole suite there.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_FOLDERS = ("tests", "docs", "bench", ".ci", "ag", "symcheck", "problems")
SHIPPED_FILES = ("README.md", "LICENSE", "DESIGN.md", "pyproject.toml", "MANIFEST.in")


def test_the_metadata_names_license_pytest_and_python_versions() -> None:
    meta = metadata.metadata("symcheck")
    classifiers = meta.get_all("Classifier") or []
    assert "Framework :: Pytest" in classifiers and "Framework :: Jupyter" in classifiers
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13)} <= set(classifiers)
    assert meta["License-Expression"] == "MIT" and meta["Requires-Python"] == ">=3.10"
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")


def test_the_version_is_written_once_in_pyproject() -> None:
    version = metadata.version("symcheck")
    written = re.compile(rf"""['"]{re.escape(version)}['"]""")
    sources = [path for folder in ("symcheck", "ag", "problems") for path in (ROOT / folder).rglob("*.py")]
    assert [str(path) for path in sources if written.search(path.read_text(encoding="utf-8"))] == []
    assert f'version = "{version}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _source_files() -> set[str]:
    """What the tests may need: every file of the shipped folders (caches aside), and the top-level files."""
    found = set(SHIPPED_FILES)
    for folder in SHIPPED_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and not {"__pycache__", ".hypothesis", ".pytest_cache"} & set(relative.parts) \
                    and path.suffix not in (".pyc", ".pyo"):
                found.add(relative.as_posix())
    return found


@pytest.mark.slow
def test_the_sdist_carries_every_file_its_test_suite_needs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (archive,) = tmp_path.glob("symcheck-*.tar.gz")
    with tarfile.open(archive) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        members = {name.removeprefix(top + "/") for name in sdist.getnames()}
        info = sdist.extractfile(f"{top}/PKG-INFO").read().decode()  # type: ignore[union-attr]
    assert sorted(_source_files() - members) == []
    assert not [name for name in members if "__pycache__" in name or name.endswith(".pyc")]
    assert "Classifier: Framework :: Pytest" in info and "License-Expression: MIT" in info
