"""Correct, with scipy.special.expit, probabilities clipped to [1e-15, 1 - 1e-15] and log1p."""

import numpy as np
from scipy.special import expit


def sigmoid(z):
    return expit(np.asarray(z, dtype=float))


def predict_proba(X_b, theta):
    return expit(X_b.dot(theta))


def log_loss(X_b, y, theta):
    p = np.clip(predict_proba(X_b, theta), 1e-15, 1 - 1e-15)
    return -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)) / len(y)


def log_loss_gradient(X_b, y, theta):
    m = len(y)
    return (1 / m) * X_b.T.dot(predict_proba(X_b, theta) - y)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    m = len(y)
    size = m if batch_size is None else batch_size
    theta = np.zeros(X_b.shape[1])
    history = []
    for epoch in range(n_epochs):
        order = np.arange(m) if batch_size is None else rng.permutation(m)
        for start in range(0, m, size):
            idx = order[start:start + size]
            theta -= learning_rate * log_loss_gradient(X_b[idx], y[idx], theta)
        history.append(log_loss(X_b, y, theta))
    return theta, np.asarray(history)


def predict(X_b, theta, threshold=0.5):
    return np.where(predict_proba(X_b, theta) >= threshold, 1, 0)
