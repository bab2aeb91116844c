"""A student's script in the homework folder, beside the course's ag.py: symcheck checks the course's engine."""

from pathlib import Path

import ag  # the course's engine: the ag.py in this folder, not symcheck's
import symcheck
from rich.console import Console

print("ag is", Path(ag.__file__).relative_to(Path.cwd()))
x, y = ag.Scalar(1.5, label="x"), ag.Scalar(0.5, label="y")
f = (x * y).sin() * x + y.exp()
report = symcheck.check(f)
Console(width=80).print(report)
