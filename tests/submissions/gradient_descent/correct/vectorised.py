"""Correct, vectorised: unit vectors from np.eye, in-place updates of private copies, np.vstack."""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    steps = eps * np.eye(x.size)
    return np.array([f(x + s) - f(x - s) for s in steps]) / (2 * eps)


def gradient_descent(grad, x0, learning_rate=0.1, n_steps=100, decay=0.0):
    x = np.asarray(x0, dtype=float).copy()
    etas = learning_rate / (1 + decay * np.arange(n_steps))
    rows = [x.copy()]
    for eta in etas:
        x -= eta * grad(x)
        rows.append(x.copy())
    return np.vstack(rows)


def adam(grad, x0, learning_rate=0.001, n_steps=100, beta1=0.9, beta2=0.999, eps=1e-8):
    x = np.asarray(x0, dtype=float).copy()
    m, v = np.zeros_like(x), np.zeros_like(x)
    rows = [x.copy()]
    for t in range(1, n_steps + 1):
        g = grad(x)
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * np.square(g)
        x -= learning_rate * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        rows.append(x.copy())
    return np.vstack(rows)
