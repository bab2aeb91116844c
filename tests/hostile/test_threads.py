"""Hostile threads: no_grad blocks that overlap across threads, and checks running beside them.

Before grad mode was per thread, two threads whose no_grad blocks overlapped
left recording off for the whole process, and symcheck.check(x*ag.sin(y))
then reported "ok" on a graph of one node. Each case runs in a child process
bounded in time and memory (tests/bounded.py), so a deadlock fails the case
instead of hanging the suite.
"""

from __future__ import annotations

import json

from bounded import GB, python_bounded

_OVERLAP_THEN_CHECK = """
import json, threading
import ag, symcheck

a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
seen = {}

def a():
    with ag.no_grad():
        a_in.set(); b_in.wait(10)
    a_out.set()

def b():
    a_in.wait(10)
    with ag.no_grad():
        b_in.set(); a_out.wait(10)
        x, y = ag.Scalar(1.5, "x"), ag.Scalar(0.5, "y")
        seen["b inside"] = (x * ag.sin(y)).op

def check_meanwhile():
    b_in.wait(10)
    x, y = ag.Scalar(1.5, "x"), ag.Scalar(0.5, "y")
    report = symcheck.check(x * ag.sin(y))       # a thread that opened no block records
    seen["checked during"] = [report.ok, len(report.nodes)]

threads = [threading.Thread(target=t) for t in (a, b, check_meanwhile)]
for t in threads: t.start()
for t in threads: t.join(30)
x, y = ag.Scalar(1.5, "x"), ag.Scalar(0.5, "y")
report = symcheck.check(x * ag.sin(y))           # and after both blocks closed, in the main thread
seen["checked after"] = [report.ok, len(report.nodes), report.node("y").grad]
seen["alive"] = sum(t.is_alive() for t in threads)
print(json.dumps(seen))
"""


def test_overlapping_no_grad_blocks_in_threads_leave_every_thread_recording() -> None:
    outcome = python_bounded(_OVERLAP_THEN_CHECK, seconds=60, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    seen = json.loads(outcome.stdout)
    assert seen["alive"] == 0
    assert seen["b inside"] == "input"  # inside its own block, thread b records nothing
    assert seen["checked during"] == [True, 4]  # x, y, sin(y), the product
    ok, nodes, grad_y = seen["checked after"]
    assert ok and nodes == 4 and abs(grad_y - 1.5 * 0.8775825618903728) < 1e-12


_CHECKS_IN_PARALLEL = """
import json
from concurrent.futures import ThreadPoolExecutor
import ag, symcheck

def job(k):
    x = ag.Scalar(0.1 * (k + 1), "x")
    if k % 2:
        with ag.no_grad():                       # half the workers predict without a graph meanwhile
            for _ in range(200):
                ag.Scalar(1.0) * ag.Scalar(2.0)
    report = symcheck.check(ag.tanh(x) * x + ag.exp(x))
    return [report.ok, len(report.nodes)]

with ThreadPoolExecutor(max_workers=6) as pool:
    print(json.dumps(list(pool.map(job, range(12)))))
"""


def test_checks_in_a_thread_pool_beside_no_grad_blocks_all_see_their_whole_graph() -> None:
    outcome = python_bounded(_CHECKS_IN_PARALLEL, seconds=120, memory=GB)
    assert outcome.returncode == 0, outcome.describe()
    assert json.loads(outcome.stdout) == [[True, 5]] * 12  # x, tanh, mul, exp, add
