# A 2-2-1 MLP with tanh hidden units and a squared error, staged a line per quantity.
x1 = 0.5
x2 = -1.2
w11 = 0.3
w12 = -0.7
w21 = 0.8
w22 = 0.2
b1 = 0.1
b2 = -0.4
v1 = 1.1
v2 = -0.6
c = 0.05
t = 0.9
h1 = tanh(w11*x1 + w12*x2 + b1)
h2 = tanh(w21*x1 + w22*x2 + b2)
yhat = v1*h1 + v2*h2 + c
err = yhat - t
loss = 0.5*err**2
