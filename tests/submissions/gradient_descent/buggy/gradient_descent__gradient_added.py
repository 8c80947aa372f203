"""Gradient descent adds the gradient instead of subtracting it, so it climbs uphill."""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar function f at x, one coordinate at a time."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def gradient_descent(grad, x0, learning_rate=0.1, n_steps=100, decay=0.0):
    """Path of x_{t+1} = x_t - eta_t grad(x_t), eta_t = learning_rate / (1 + decay t)."""
    x = np.array(x0, dtype=np.float64)
    path = np.empty((n_steps + 1,) + x.shape)
    path[0] = x
    for t in range(n_steps):
        x = x + learning_rate / (1 + decay * t) * grad(x)
        path[t + 1] = x
    return path


def adam(grad, x0, learning_rate=0.001, n_steps=100, beta1=0.9, beta2=0.999, eps=1e-8):
    """Path of Adam with bias-corrected moments, t counted from 1."""
    x = np.array(x0, dtype=np.float64)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    path = np.empty((n_steps + 1,) + x.shape)
    path[0] = x
    for t in range(1, n_steps + 1):
        g = grad(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        x = x - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
        path[t] = x
    return path
