"""symcheck reaches its own `ag` and `problems` by where they are installed (symcheck.own), never by name.

The import scans below keep it so: symcheck never writes ``import ag`` or
``import problems``, and those two packages import their own modules
relatively, so they can be loaded under a private alias. Each resolution rule
of `symcheck.own` is then shown in a fresh interpreter started in a folder
that does or does not hold modules of the same names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

import symcheck.own as own
from course_folder import make_homework_folder

ROOT = Path(__file__).resolve().parents[2]
OWN_NAMES = ("ag", "problems")


# -- the import rules, read from the source ----------------------------------------------


def _imports(source: str) -> Iterator[tuple[int, str, int]]:
    """(line, module, level) of every import outside an ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", node.level


def _by_name(source: str, names: tuple[str, ...]) -> list[str]:
    """The absolute imports of any of `names` (or their submodules) in `source`."""
    return [f"line {line}: {module}" for line, module, level in _imports(source)
            if level == 0 and module.split(".")[0] in names]


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_symcheck_never_imports_ag_or_problems_by_name() -> None:
    found = {str(path.relative_to(ROOT)): hits for path in _python_files("symcheck")
             if (hits := _by_name(path.read_text(encoding="utf-8"), OWN_NAMES))}
    assert found == {}, "write `from symcheck.own import ag` (or problems) instead"


@pytest.mark.parametrize("package", OWN_NAMES)
def test_ag_and_problems_import_their_own_modules_relatively(package: str) -> None:
    # problems reaches the engine through symcheck.own too: a course's ag.py must not become its engine
    found = {str(path.relative_to(ROOT)): hits for path in _python_files(package)
             if (hits := _by_name(path.read_text(encoding="utf-8"), OWN_NAMES))}
    assert found == {}


def test_the_scan_finds_bare_imports_and_skips_type_checking_ones() -> None:
    source = ("import ag.nn\nfrom problems import display\nfrom . import engine\nimport agx\n"
              "if TYPE_CHECKING:\n    import ag\n")
    assert _by_name(source, OWN_NAMES) == ["line 1: ag.nn", "line 2: problems"]


# -- in this process (the repository's ag is the one imported as `ag`) ------------------


def test_the_engine_a_user_imported_is_the_one_symcheck_uses() -> None:
    import ag

    assert own.package("ag") is ag
    assert own.is_own(ag, "ag")
    assert own.loaded("ag") is ag


def test_a_name_symcheck_does_not_ship_is_refused() -> None:
    with pytest.raises(ValueError, match="ships ag, problems"):
        own.package("numpy")
    with pytest.raises(AttributeError):
        own.__getattr__("numpy")


# -- in a fresh interpreter, started in a folder ------------------------------------------


def _run(folder: Path, code: str) -> dict:
    """Run `code` with ``python -c`` in `folder` (which Python puts first on sys.path); it prints JSON."""
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


REPORT = """
import json, sys
from symcheck import own
engine, problems = own.package("ag"), own.package("problems")
print(json.dumps({
    "engine": engine.__name__, "engine_file": engine.__file__, "problems": problems.__name__, "home": str(own.HOME),
    "backprop": str(problems.PROGRAMS["backprop"]),
    "user_ag": getattr(sys.modules.get("ag"), "__file__", None),
    "user_problems": getattr(sys.modules.get("problems"), "__file__", None),
    "submodules": sorted(m for m in sys.modules if m.startswith(engine.__name__ + ".engine")),
    "works": (engine.Scalar(2.0) * engine.Scalar(3.0)).data,
}))
"""


def test_in_a_folder_without_those_names_they_are_imported_under_their_own(tmp_path: Path) -> None:
    seen = _run(tmp_path, REPORT)
    assert (seen["engine"], seen["problems"]) == ("ag", "problems")
    assert Path(seen["engine_file"]) == Path(seen["home"]) / "ag" / "__init__.py"
    assert seen["works"] == 6.0


def test_beside_a_course_ag_and_problems_they_load_under_private_aliases(tmp_path: Path) -> None:
    make_homework_folder(tmp_path)
    seen = _run(tmp_path, "import ag, problems\n" + REPORT)
    assert (seen["engine"], seen["problems"]) == ("_symcheck_ag", "_symcheck_problems")
    assert Path(seen["engine_file"]) == Path(seen["home"]) / "ag" / "__init__.py"
    assert seen["submodules"] == ["_symcheck_ag.engine"]  # ag's relative imports followed the alias
    assert seen["works"] == 6.0
    # the student's modules are untouched, and symcheck's backprop is its own
    assert Path(seen["user_ag"]) == tmp_path / "ag.py"
    assert Path(seen["user_problems"]) == tmp_path / "problems" / "__init__.py"
    assert Path(seen["backprop"]) == Path(seen["home"]) / "problems" / "backprop.sc"


def test_a_course_ag_is_not_claimed_even_before_the_student_imports_it(tmp_path: Path) -> None:
    make_homework_folder(tmp_path)
    seen = _run(tmp_path, REPORT.replace('"user_ag":', '"later": __import__("ag").__file__, "user_ag":'))
    assert seen["engine"] == "_symcheck_ag"
    assert Path(seen["later"]) == tmp_path / "ag.py"  # `import ag` after symcheck still finds the course's


def test_an_ag_the_user_imported_from_symcheck_is_shared(tmp_path: Path) -> None:
    seen = _run(tmp_path, "import ag\n" + REPORT.replace('"works":', '"same": engine is ag, "works":'))
    assert seen["same"] is True and seen["engine"] == "ag"
