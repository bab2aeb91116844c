"""The hostile-scale cases, timed: n-ary ops over thousands of inputs, trace JSON of big graphs, huge files.

Run from the repository root:

    python bench/bench_scale.py          # about 2 minutes on 2 cores

Each case runs in a fresh process (the command line, or a few lines of Python
where the input is a live graph), so its wall time includes start-up and its
peak memory (ru_maxrss) is its own. The cases are the ones tests/hostile/
bounds; this script reports the numbers the docs quote.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(argv: list[str]) -> tuple[float, float, int, int]:
    """(seconds, peak MiB, exit code, bytes on stdout) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    size = 0
    assert child.stdout is not None
    for chunk in iter(lambda: child.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        size += len(chunk)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, child.returncode, size


def symcheck(*words: str) -> list[str]:
    return [sys.executable, "-m", "symcheck", *words]


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def chain_program(path: Path) -> Path:
    """10,002 nodes: a_i = sin(a_{i-1}) * y + x, three nodes a line."""
    lines = ["x = 0.3", "y = 0.7", "a0 = x*y"] + [f"a{i} = sin(a{i - 1}) * y + x" for i in range(1, 3334)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hub_program(path: Path) -> Path:
    """x feeds 5,000 nodes (100 KB of text)."""
    lines = ["x = 0.3", "a0 = sin(x)"] + [f"a{i} = sin(a{i - 1}) * x" if i % 2 else f"a{i} = a{i - 1} + x"
                                            for i in range(1, 5000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        names = ", ".join(f"x{i}" for i in range(300))
        at = ",".join(f"x{i}={0.01 * i:g}" for i in range(300))
        big = tmp / "big.sc"
        with big.open("wb") as file:
            file.truncate(3 * 10**9)  # sparse: no disk used
        cases = [
            ("check ag.sum of 20,000 Scalars (times x0)", python(
                "import ag, symcheck\nxs = [ag.Scalar(0.1 + 1e-4 * i, f'x{i}') for i in range(20_000)]\n"
                "print(symcheck.check(ag.sum(xs) * xs[0]).ok)")),
            ("check logsumexp over 300 inputs (times x1)", symcheck("check", f"logsumexp({names}) * x1", "--at", at)),
            ("check softmax over 300 inputs (times x1)", symcheck("check", f"softmax(0, {names}) * x1", "--at", at)),
            ("trace --json, 10,002-node program", symcheck("trace", str(chain_program(tmp / "chain.sc")), "--json")),
            ("trace --json, one input feeding 5,000 nodes", symcheck("trace", str(hub_program(tmp / "hub.sc")),
                                                                     "--json")),
            ("check a 3 GB file (refused)", symcheck("check", str(big))),
        ]
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        print("| case | wall s | peak MiB | exit | stdout |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for title, argv in cases:
            seconds, peak, code, size = measure(argv)
            print(f"| {title} | {seconds:.1f} | {peak:.0f} | {code} | {size / 1e6:.1f} MB |", flush=True)


if __name__ == "__main__":
    main()
