"""Correct, with the textbook 1 / (1 + e^-z): numpy warns of an overflow for z below -709, but the value, 0, is right."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def predict_proba(X_b, theta):
    return sigmoid(X_b @ theta)


def log_loss(X_b, y, theta):
    z = X_b @ theta
    return float(np.mean(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z)))


def log_loss_gradient(X_b, y, theta):
    return X_b.T @ (predict_proba(X_b, theta) - y) / len(y)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    m = len(y)
    theta = np.zeros(X_b.shape[1])
    history = np.zeros(n_epochs)
    for epoch in range(n_epochs):
        order = rng.permutation(m) if batch_size else np.arange(m)
        step = batch_size or m
        for start in range(0, m, step):
            rows = order[start:start + step]
            theta = theta - learning_rate * log_loss_gradient(X_b[rows], y[rows], theta)
        history[epoch] = log_loss(X_b, y, theta)
    return theta, history


def predict(X_b, theta, threshold=0.5):
    return (predict_proba(X_b, theta) >= threshold).astype(np.int64)
