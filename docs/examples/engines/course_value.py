"""A micrograd variant as course notes write it: the value in `value`, parents in a tuple
`prev`, ops named '+', '*', 'pow(2)', 'ReLU', and only op results have a `_backward`.

One slip: `+` assigns its parents' grads (=) where it must add to them (+=).
"""


class Value:
    def __init__(self, value, prev=(), op="", label=""):
        self.value = float(value)
        self.grad = 0.0
        self.prev = tuple(prev)
        self.op = op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.value + other.value, (self, other), "+")

        def _backward():
            self.grad = out.grad  # the slip: = where += belongs
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.value * other.value, (self, other), "*")

        def _backward():
            self.grad += other.value * out.grad
            other.grad += self.value * out.grad

        out._backward = _backward
        return out

    def square(self):
        out = Value(self.value**2, (self,), "pow(2)")

        def _backward():
            self.grad += 2 * self.value * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.value, 0.0), (self,), "ReLU")

        def _backward():
            self.grad += (out.value > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, ready = stack.pop()
            if ready:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.prev)
        self.grad = 1.0
        for node in reversed(order):
            if hasattr(node, "_backward"):  # leaves have none
                node._backward()
