"""Correct, written with explicit Python loops over the samples and the math module."""

import math

import numpy as np


def _sigmoid_scalar(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _softplus(z):
    """log(1 + e^z) without overflow."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty(z.shape)
    for i, value in enumerate(z.flat):
        out.flat[i] = _sigmoid_scalar(float(value))
    return out


def predict_proba(X_b, theta):
    p = np.empty(len(X_b))
    for i in range(len(X_b)):
        z = 0.0
        for j in range(len(theta)):
            z += X_b[i][j] * theta[j]
        p[i] = _sigmoid_scalar(z)
    return p


def log_loss(X_b, y, theta):
    total = 0.0
    for i in range(len(X_b)):
        z = float(np.dot(X_b[i], theta))
        total += y[i] * _softplus(-z) + (1 - y[i]) * _softplus(z)
    return float(total / len(X_b))


def log_loss_gradient(X_b, y, theta):
    p = predict_proba(X_b, theta)
    grad = np.zeros(len(theta))
    for i in range(len(X_b)):
        for j in range(len(theta)):
            grad[j] += (p[i] - y[i]) * X_b[i][j]
    return grad / len(X_b)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    m = len(X_b)
    theta = np.zeros(X_b.shape[1])
    losses = []
    for _ in range(n_epochs):
        if batch_size is None:
            batches = [np.arange(m)]
        else:
            perm = rng.permutation(m)
            batches = [perm[i:i + batch_size] for i in range(0, m, batch_size)]
        for rows in batches:
            grad = log_loss_gradient(X_b[rows], y[rows], theta)
            for j in range(len(theta)):
                theta[j] -= learning_rate * grad[j]
        losses.append(log_loss(X_b, y, theta))
    return theta, np.array(losses)


def predict(X_b, theta, threshold=0.5):
    p = predict_proba(X_b, theta)
    labels = np.zeros(len(p), dtype=int)
    for i in range(len(p)):
        if p[i] >= threshold:
            labels[i] = 1
    return labels
