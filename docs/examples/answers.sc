# Homework 4, part 1: my answers, written as claims about the course's graph.
x = 1.5
y = 0.5
z1 = x
z2 = y
z3 = z1 * z2
z4 = z3 + z1
z5 = sin(z4)
z6 = exp(z2)
z7 = z5 + z6
z8 = z7 * z3

# 1.3.7: df/dz4 from df/dz5
# claim: ∂f/∂z4 == ∂f/∂z5 * ∂z5/∂z4

# 1.3.8: what z3.grad holds right before z4._backward(), step by step
# claim: D(f, z3) == z7 + z3*D(z7, z3)
# claim: grad(z3, before=z4) == z7 + z3*D(z7, z3)
# claim: grad(z3, before=z4) == z7
