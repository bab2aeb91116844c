"""A test of my_engine.py with symcheck's gradcheck fixture (it fails: tanh's backward is wrong)."""

from my_engine import Value


def test_neuron(gradcheck):
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.3, label="b")
    gradcheck((x * w + b).tanh() * x)
