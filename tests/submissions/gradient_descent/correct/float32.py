"""Correct, keeping every array in float32 (within float32 tolerance of the reference)."""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    # f is evaluated at the points it is given; only the result is stored in float32.
    grad = np.zeros(len(x), dtype=np.float32)
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = eps
        grad[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return grad


def gradient_descent(grad, x0, learning_rate=0.1, n_steps=100, decay=0.0):
    path = np.zeros((n_steps + 1, len(x0)), dtype=np.float32)
    path[0] = x0
    for t in range(n_steps):
        eta = np.float32(learning_rate / (1 + decay * t))
        path[t + 1] = path[t] - eta * np.asarray(grad(path[t]), dtype=np.float32)
    return path


def adam(grad, x0, learning_rate=0.001, n_steps=100, beta1=0.9, beta2=0.999, eps=1e-8):
    b1, b2, lr, e = (np.float32(a) for a in (beta1, beta2, learning_rate, eps))
    path = np.zeros((n_steps + 1, len(x0)), dtype=np.float32)
    path[0] = x0
    m = np.zeros(len(x0), dtype=np.float32)
    v = np.zeros(len(x0), dtype=np.float32)
    for t in range(1, n_steps + 1):
        g = np.asarray(grad(path[t - 1]), dtype=np.float32)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        path[t] = path[t - 1] - lr * m_hat / (np.sqrt(v_hat) + e)
    return path
