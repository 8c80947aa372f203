"""Correct, written with explicit Python loops instead of vectorised NumPy."""
import math

import numpy as np


def add_bias(X):
    m, n = len(X), len(X[0])
    out = np.empty((m, n + 1))
    for i in range(m):
        out[i, 0] = 1.0
        for j in range(n):
            out[i, j + 1] = X[i][j]
    return out


def scale_features(X, mean=None, std=None):
    m, n = len(X), len(X[0])
    if mean is None:
        mean = np.array([sum(X[i][j] for i in range(m)) / m for j in range(n)])
    if std is None:
        std = np.array([math.sqrt(sum((X[i][j] - mean[j]) ** 2 for i in range(m)) / m) for j in range(n)])
    out = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            out[i, j] = (X[i][j] - mean[j]) / (std[j] if std[j] != 0 else 1.0)
    return out, np.array(mean, dtype=float), np.array(std, dtype=float)


def predict(X_b, theta):
    return np.array([sum(x * t for x, t in zip(row, theta)) for row in X_b])


def mse_loss(X_b, y, theta):
    preds = predict(X_b, theta)
    total = 0.0
    for p, target in zip(preds, y):
        total += (p - target) ** 2
    return total / len(y)


def mse_gradient(X_b, y, theta):
    preds = predict(X_b, theta)
    grad = np.zeros(len(theta))
    for i, row in enumerate(X_b):
        for j, x in enumerate(row):
            grad[j] += 2.0 * (preds[i] - y[i]) * x / len(y)
    return grad


def normal_equation(X_b, y):
    return np.linalg.solve(X_b.T @ X_b, X_b.T @ y) if np.linalg.matrix_rank(X_b) == X_b.shape[1] \
        else np.linalg.pinv(X_b) @ y


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    theta = np.zeros(X_b.shape[1])
    losses = []
    for epoch in range(n_epochs):
        if batch_size is None:
            batches = [np.arange(len(y))]
        else:
            order = rng.permutation(len(y))
            batches = [order[s:s + batch_size] for s in range(0, len(y), batch_size)]
        for rows in batches:
            theta = theta - learning_rate * mse_gradient(X_b[rows], y[rows], theta)
        losses.append(mse_loss(X_b, y, theta))
    return theta, losses
