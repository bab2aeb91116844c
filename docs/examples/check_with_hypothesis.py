"""Property tests of my_engine.py with hypothesis and symcheck's gradcheck fixture.

The first holds for every drawn point; the second finds tanh's wrong backward.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from my_engine import Value

points = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(x=points, w=points)
def test_exp_of_a_product(gradcheck, x, w):
    a, b = Value(x, label="x"), Value(w, label="w")
    gradcheck((a * b).exp() + a)


@settings(max_examples=25, deadline=None)
@given(x=points)
def test_tanh(gradcheck, x):
    gradcheck(Value(x, label="x").tanh() * 2)
