"""`python -m ag`: train something tiny with ag.nn and ag.optim and print its gradients.

    python -m ag                  # a 2-8-1 tanh MLP learns XOR in 30 Adam steps
    python -m ag --model gpt      # a tiny GPT learns to continue 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, Optional, Sequence

from . import nn, optim
from .backward import backward_order
from .engine import Scalar
from .functions import mean

XOR = [((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0)]


def mlp_task(seed: int) -> tuple[nn.Module, Callable[[], Scalar]]:
    """Mean squared error of a 2-8-1 tanh MLP on the four XOR points."""
    model = nn.MLP([2, 8, 1], activation="tanh", seed=seed)

    def loss() -> Scalar:
        return mean([(model([Scalar(a), Scalar(b)])[0] - y) ** 2 for (a, b), y in XOR])

    return model, loss


def gpt_task(seed: int) -> tuple[nn.Module, Callable[[], Scalar]]:
    """Cross-entropy of a one-layer GPT predicting 1 2 3 4 from 0 1 2 3."""
    model = nn.GPT(nn.GPTConfig(vocab_size=5, n_embd=8, n_head=2, n_layer=1, block_size=4), seed=seed)
    return model, lambda: model.loss([0, 1, 2, 3], [1, 2, 3, 4])


TASKS = {"mlp": (mlp_task, 0.05), "gpt": (gpt_task, 0.01)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train the chosen model with Adam, printing the loss (step 1, every 5th, the last) and the final gradients."""
    parser = argparse.ArgumentParser(prog="python -m ag", description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(TASKS), default="mlp", help="what to train (default mlp)")
    parser.add_argument("--steps", type=int, default=30, help="Adam steps (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="initialisation seed (default 0)")
    parser.add_argument("--show", type=int, default=6, help="how many parameter gradients to print (default 6)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    if args.show < 0:
        parser.error("--show must be 0 or more")

    make_task, lr = TASKS[args.model]
    model, loss_fn = make_task(args.seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    print(f"{args.model}: {model.num_parameters()} parameters, Adam lr={lr}, {args.steps} steps")
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        if step == 1 or step % 5 == 0 or step == args.steps:
            print(f"step {step:3d}  loss {loss.data:.6f}  nodes {len(backward_order(loss))}")
        if step < args.steps:
            opt.step()  # the last step's gradients stay in .grad for printing below
    elapsed = time.perf_counter() - start
    print(f"\ngradients after the last backward (∂loss/∂parameter), {elapsed * 1e3:.0f} ms in all:")
    for name, p in model.named_parameters()[: args.show]:
        print(f"  {name:<20} data {p.data:+.6f}  grad {p.grad:+.6e}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # the reader left early (`| head`): stop quietly, as Unix tools do
        sys.stderr.close()
        raise SystemExit(0) from None
