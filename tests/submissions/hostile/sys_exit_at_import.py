"""Calls sys.exit at import."""
import sys

import numpy as np


def add_bias(X):
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([np.ones((X.shape[0], 1)), X])


def scale_features(X, mean=None, std=None):
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0) if mean is None else np.asarray(mean, dtype=np.float64)
    std = X.std(axis=0) if std is None else np.asarray(std, dtype=np.float64)
    return (X - mean) / np.where(std == 0, 1.0, std), mean, std


def predict(X_b, theta):
    return X_b @ theta


def mse_loss(X_b, y, theta):
    residual = X_b @ theta - y
    return float(residual @ residual / len(y))


def mse_gradient(X_b, y, theta):
    return 2.0 / len(y) * X_b.T @ (X_b @ theta - y)


def normal_equation(X_b, y):
    return np.linalg.lstsq(X_b, y, rcond=None)[0]


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    m = len(y)
    theta = np.zeros(X_b.shape[1])
    history = []
    for _ in range(n_epochs):
        if batch_size is None:
            theta = theta - learning_rate * mse_gradient(X_b, y, theta)
        else:
            order = rng.permutation(m)
            for start in range(0, m, batch_size):
                rows = order[start:start + batch_size]
                theta = theta - learning_rate * mse_gradient(X_b[rows], y[rows], theta)
        history.append(mse_loss(X_b, y, theta))
    return theta, np.array(history)

sys.exit(3)
