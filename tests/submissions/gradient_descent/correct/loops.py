"""Correct, written with explicit Python loops over coordinates and plain lists."""

import math

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    values = [float(v) for v in x]
    grad = []
    for i in range(len(values)):
        plus = list(values)
        minus = list(values)
        plus[i] += eps
        minus[i] -= eps
        grad.append((f(np.array(plus)) - f(np.array(minus))) / (2 * eps))
    return np.array(grad, dtype=np.float64)


def gradient_descent(grad, x0, learning_rate=0.1, n_steps=100, decay=0.0):
    x = [float(v) for v in x0]
    path = [list(x)]
    for t in range(n_steps):
        eta = learning_rate / (1 + decay * t)
        g = grad(np.array(x))
        for i in range(len(x)):
            x[i] = x[i] - eta * g[i]
        path.append(list(x))
    return np.array(path, dtype=np.float64)


def adam(grad, x0, learning_rate=0.001, n_steps=100, beta1=0.9, beta2=0.999, eps=1e-8):
    x = [float(v) for v in x0]
    m = [0.0] * len(x)
    v = [0.0] * len(x)
    path = [list(x)]
    for t in range(1, n_steps + 1):
        g = grad(np.array(x))
        for i in range(len(x)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            x[i] = x[i] - learning_rate * m_hat / (math.sqrt(v_hat) + eps)
        path.append(list(x))
    return np.array(path, dtype=np.float64)
