# The worked example of homework 4, part 1 (Section 1.3 of backpropagation.pdf):
# f(x, y) staged as nodes z1 ... z8, with z8 = z7 * z3 = f(x, y).
# The course notes' exact f is not available; this graph agrees with every
# fact the homework states (z5 is z4's only consumer; z3 feeds z8 directly
# and, through z4, z7). Type in your own handout's graph the same way
# (see problems/README.md).
#
# The question lines say what each answer block of the homework's .tex file
# must equal, for `symcheck grade answers.tex --graph backprop`.
#
# Try:
#   symcheck trace backprop --node z3
#   symcheck check backprop --latex

x = 1.5            # inputs: a name bound to a number (the default point)
y = 0.5
z1 = x             # staged copies of the inputs
z2 = y
z3 = z1 * z2
z4 = z3 + z1
z5 = sin(z4)
z6 = exp(z2)
z7 = z5 + z6
z8 = z7 * z3       # the output f

# 1.3.7: how do we get df/dz4 given df/dz5?
# z5 is z4's only consumer, so the chain rule has one term:
# claim: D(f, z4) == D(f, z5) * D(z5, z4)
# question 1: D(f, z4)

# 1.3.8: what is in z3.grad right before z4._backward() runs?
# Backward visits z8 first, which adds df/dz8 * dz8/dz3 = 1 * z7; the path
# through z4 -> z5 -> z7 has not arrived yet. So the answer is z7 (and after
# z4's step it becomes the full df/dz3 = z7 + z3*cos(z4)):
# claim: grad(z3, before=z4) == z7
# question 2: grad(z3, before=z4)
