# A handout's graph typed in: f(x, y) = tanh(x*y + x) * x*y, staged as z1 ... z6.
x = 2.0            # a name bound to a number is an input (the number is its default value)
y = -0.5
z1 = x             # a name bound to another name is a staged copy (op "id")
z2 = y
z3 = z1 * z2
z4 = z3 + z1
z5 = tanh(z4)
z6 = z5 * z3       # the last assignment is the output f
# claim: D(f, z4) == D(f, z5) * D(z5, z4)
# claim: grad(z3, before=z4) == z5
