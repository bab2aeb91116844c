"""symcheck's help teaches: a paragraph and real examples per command, TARGET and the claim language where
they are used, the exercises and their options under `run`; --version and --no-color work everywhere."""

from __future__ import annotations

import re
import shlex

import pytest

from symcheck import cli
from symcheck.own import problems, version

COMMANDS = ("check", "trace", "claim", "graph", "problems", "run")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_s_help_has_a_paragraph_and_examples(capsys, command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    text = cli.HELP[command]
    assert " ".join(text.description.split()[:8]) in " ".join(out.split())
    assert out.count("\n  symcheck ") >= 2 and "examples:" in out
    for example in text.examples:
        assert f"  {example}" in out


@pytest.mark.parametrize("example", [e for t in cli.HELP.values() for e in t.examples] + list(cli.EXAMPLES))
def test_every_example_in_the_help_is_a_valid_command(example: str) -> None:
    words = shlex.split(example, comments=True)
    assert words[0] == "symcheck"
    args = cli.build_parser().parse_args(words[1:])
    if args.command == "run":  # the exercise's own options must parse too
        problems.runnable_module(args.name).parser().parse_args(args.args)


@pytest.mark.parametrize("command", ["check", "trace", "claim", "graph"])
def test_target_is_explained_where_it_is_taken(capsys, command: str) -> None:
    _, out, _ = run(capsys, command, "--help")
    assert "TARGET, what to check, is tried as:" in out
    assert "a built-in problem     backprop" in out and "e and pi are constants" in out


def test_claim_help_teaches_the_claim_language(capsys) -> None:
    _, out, _ = run(capsys, "claim", "--help")
    for written in ("D(a, b)", "grad(b, before=c)", "∂f/∂z4, df/dz4", "the output (its own name works too)",
                    "D(f, y) == 4.17004"):
        assert written in out


def test_run_help_lists_the_exercises_and_their_options(capsys) -> None:
    _, out, _ = run(capsys, "run", "--help")
    for name in problems.RUNNABLE:
        assert f"  {name}: {problems.DESCRIPTIONS[name]}" in out
    assert "[--problem {linear_regression,logistic_regression,rosenbrock}]" in out
    assert "[--fused]" in out and "[--steps STEPS]" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("argv", [["--version"], ["check", "--version"], ["claim", "--version"],
                                  ["run", "--version"], ["run", "transformer", "--version"]])
def test_version_works_everywhere(capsys, argv: list[str]) -> None:
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out == f"symcheck {version()}\n"


def test_the_version_has_one_source() -> None:
    from importlib import metadata

    import symcheck

    assert symcheck.__version__ == metadata.version("symcheck") == version()


@pytest.mark.parametrize("argv", [["--no-color", "check", "x*y", "--at", "x=1,y=2"],
                                  ["check", "--no-color", "x*y", "--at", "x=1,y=2"],
                                  ["--no-color", "problems"],
                                  ["--no-color", "run", "gradient_descent", "--steps", "2", "--problem", "rosenbrock"],
                                  ["run", "gradient_descent", "--no-color", "--steps", "2", "--problem", "rosenbrock"]])
def test_no_color_works_before_and_after_the_command(capsys, monkeypatch, argv: list[str]) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")  # colour even into a pipe, unless --no-color says otherwise
    code, out, err = run(capsys, *argv)
    assert code in (0, 1), err  # two steps of Rosenbrock do not converge; the option must be accepted
    assert not COLOUR.search(out + err)  # (a progress bar on stderr still moves the cursor)
    code, out, _ = run(capsys, *[word for word in argv if word != "--no-color"])
    assert COLOUR.search(out) or argv[-1] == "problems"  # the control: coloured without it (problems prints plain)


def test_no_color_help_has_no_escape_codes(capsys, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, out, _ = run(capsys, "--no-color", "claim", "--help")
    assert not COLOUR.search(out) and "the claim language" in out
    _, out, _ = run(capsys, "claim", "--help")
    assert COLOUR.search(out)


def test_several_at_options_add_up(capsys) -> None:
    code, out, _ = run(capsys, "check", "x*y", "--at", "x=2", "--at", "y=3", "--json")
    assert code == 0 and '"inputs": {\n    "x": 2.0,\n    "y": 3.0\n  }' in out


def test_an_input_given_twice_across_at_options_is_an_error(capsys) -> None:
    code, _, err = run(capsys, "check", "x*y", "--at", "x=2,y=1", "--at", "x=3")
    assert code == 2 and err == ("symcheck: error: --at gives x twice (x=2 and x=3); give each input once "
                                 "(several --at options add up)\n")


def test_an_at_leaving_out_an_input_names_it(capsys) -> None:
    code, _, err = run(capsys, "check", "x*y", "--at", "x=2")
    assert code == 2 and err == ("symcheck: error: --at leaves out the input y, which has no value of its own; "
                                 "give every input a value, e.g. --at x=2,y=1.3 (or leave out --at for the "
                                 "default point)\n")


def test_a_reversed_steps_range_says_so(capsys) -> None:
    code, _, err = run(capsys, "trace", "backprop", "--steps", "5-3")
    assert code == 2 and err == ("symcheck: error: --steps '5-3' is a reversed range; write 3-5: steps count "
                                 "from 1 (the output's) in backward order\n")


def test_a_misspelt_exercise_gets_the_near_name(capsys) -> None:
    code, _, err = run(capsys, "run", "gradient_decent")
    assert code == 2 and "did you mean 'gradient_descent'?" in err


def test_a_missing_dependency_is_an_environment_error(capsys, monkeypatch) -> None:
    def missing(args):
        raise ModuleNotFoundError("No module named 'sympy'", name="sympy")

    monkeypatch.setattr(cli, "cmd_check", missing)
    code, _, err = run(capsys, "check", "x")
    assert code == 4 and err == "symcheck: environment error: the package 'sympy' is not installed; pip install symcheck\n"
