"""problems.gradient_descent: known optima, convergence, divergence detection, the CLI contract."""

from __future__ import annotations

import json
import math

import pytest

import ag
from problems import gradient_descent as gd


def gradient_at(problem: gd.Problem, point: list[float]) -> list[float]:
    params = [ag.Scalar(v) for v in point]
    problem.loss(params).backward()
    return [p.grad for p in params]


@pytest.mark.parametrize("name", list(gd.PROBLEMS))
@pytest.mark.parametrize("seed", [0, 3])
def test_the_stated_optimum_is_a_stationary_point(name: str, seed: int) -> None:
    # The closed forms (normal equations, logits, (1, 1)) are derived independently of ag;
    # ag's gradient must vanish there, and be clearly non-zero at the start.
    problem = gd.PROBLEMS[name](seed)
    assert max(abs(g) for g in gradient_at(problem, problem.optimum)) < 1e-10
    assert max(abs(g) for g in gradient_at(problem, problem.start)) > 1e-2


def test_normal_equations_recover_a_noiseless_line() -> None:
    xs = [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (-1.0, 2.0)]
    ys = [2.0 * a - 3.0 * b + 0.5 for a, b in xs]
    assert gd.normal_equations(xs, ys) == pytest.approx([2.0, -3.0, 0.5], abs=1e-12)


def test_logit_solution_matches_observed_frequencies() -> None:
    positives = [5, 12, 9]
    w1, w2, b = gd.logit_solution(positives, 20)
    for (x1, x2), k in zip(gd.LOCATIONS, positives):
        fitted = 1.0 / (1.0 + math.exp(-(w1 * x1 + w2 * x2 + b)))
        assert fitted == pytest.approx(k / 20, abs=1e-12)


def test_linear_regression_converges_to_the_optimum() -> None:
    result = gd.run(problems=["linear_regression"], steps=100, quiet=True, gradcheck_steps=0)
    (entry,) = result["problems"]
    assert entry["converged"] and result["converged"]
    assert entry["distance"] <= entry["tolerance"] == 1e-6
    assert entry["final_loss"] == pytest.approx(entry["optimal_loss"], rel=1e-9)
    assert entry["losses"][0] > 10 * entry["losses"][-1]


def test_too_few_steps_is_reported_as_not_converged() -> None:
    result = gd.run(problems=["rosenbrock"], steps=50, quiet=True, gradcheck_steps=0)
    (entry,) = result["problems"]
    assert not entry["converged"] and not entry["diverged"]
    assert entry["distance"] > entry["tolerance"]


@pytest.mark.parametrize("name, lr", [("rosenbrock", 0.01), ("linear_regression", 10.0)])
def test_a_diverging_learning_rate_is_detected(name: str, lr: float) -> None:
    result = gd.run(problems=[name], lr=lr, quiet=True, gradcheck_steps=0)
    (entry,) = result["problems"]
    assert entry["diverged"] and not entry["converged"] and not result["converged"]
    assert "diverged at step" in entry["message"] and "smaller --lr" in entry["message"]
    assert entry["diverged_at"] < entry["steps"]
    assert len(entry["losses"]) >= 2 and entry["losses"][-1] > entry["losses"][0]  # the blow-up, for --plot
    json.dumps(result)  # still JSON-able


@pytest.mark.parametrize("name", ["rosenbrock", "linear_regression"])
def test_an_overflowing_learning_rate_is_divergence_not_a_crash(name: str) -> None:
    # lr = 1e300 sends the parameters past the float range in one step.
    result = gd.run(problems=[name], lr=1e300, quiet=True, gradcheck_steps=0)
    (entry,) = result["problems"]
    assert entry["diverged"] and "diverged at step" in entry["message"]


def test_a_bounded_loss_that_rises_is_divergence() -> None:
    # The logistic loss grows only linearly, so it never overflows: too large a step shows as a
    # loss that ends above where it started.
    result = gd.run(problems=["logistic_regression"], lr=100.0, quiet=True, gradcheck_steps=0)
    (entry,) = result["problems"]
    assert entry["diverged"] and "rose from" in entry["message"]
    assert "e.g. 4)" in entry["message"]  # points back at the problem's own learning rate


def test_result_fields_are_json_able() -> None:
    result = gd.run(steps=5, quiet=True, gradcheck_steps=0)
    assert {"converged", "final_loss", "final_losses", "problems", "gradcheck"} <= set(result)
    assert [p["name"] for p in result["problems"]] == list(gd.PROBLEMS)
    for entry in result["problems"]:
        assert {"name", "converged", "final_loss", "optimum", "distance", "tolerance", "gradcheck", "diverged"} <= set(
            entry
        )
    assert result["final_loss"] == pytest.approx(sum(result["final_losses"].values()))
    json.loads(json.dumps(result))


def test_the_first_steps_gradients_are_verified_by_symcheck() -> None:
    result = gd.run(problems=["rosenbrock", "linear_regression"], steps=3, quiet=True, gradcheck_steps=2)
    for entry in result["problems"]:
        assert entry["gradcheck"]["ok"] is True
        assert entry["gradcheck"]["nodes"] > 0
    assert result["gradcheck"]["ok"] is True


def test_main_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    no_check = ["--gradcheck-steps", "0", "--json"]
    assert gd.main(["--problem", "linear_regression", "--steps", "100", *no_check]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["converged"] is True and "losses" not in printed["problems"][0]
    assert gd.main(["--problem", "rosenbrock", "--lr", "0.01", *no_check]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["diverged"] is True
    assert gd.main(["--steps", "0"]) == 2
    assert gd.main(["--problem", "nope"]) == 2
    assert gd.main(["--gradcheck-steps", "-1"]) == 2
    assert capsys.readouterr().err.count("\n") == 3  # one line per usage error


def test_a_failed_gradient_check_fails_the_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Converging on a wrong gradient is no success: exit code 1, and the verdict is printed.
    failure = {"node": "θ1", "op": "input", "kind": "grad", "message": "engine 1 vs symbolic 2"}
    monkeypatch.setattr(gd, "verify_gradient", lambda loss: {"nodes": 1, "ok": False, "failures": [failure]})
    assert gd.main(["--problem", "linear_regression", "--steps", "100", "--gradcheck-steps", "1"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_plot_writes_a_png(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "gd.png"
    code = gd.main(["--problem", "linear_regression", "--steps", "100", "--gradcheck-steps", "0", "--plot", str(target)])
    assert code == 0 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(gd.display, "matplotlib_available", lambda: False)
    assert gd.main(["--plot", str(tmp_path / "gd.png")]) == 2
    assert "pip install 'symcheck[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "gd.png").exists()
