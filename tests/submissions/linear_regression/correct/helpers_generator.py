"""Correct, with small helpers of the student's own and a generator of mini-batches."""
import numpy as np


def _as_matrix(values):
    return np.asarray(values, dtype=np.float64).copy()


def _residuals(X_b, y, theta):
    return X_b.dot(theta) - np.asarray(y, dtype=np.float64)


def _batches(m, batch_size, rng):
    if batch_size is None:
        yield slice(None)
        return
    order = rng.permutation(m)
    for first in range(0, m, batch_size):
        yield order[first:first + batch_size]


def add_bias(X):
    X = _as_matrix(X)
    ones = np.ones((len(X), 1))
    return np.concatenate((ones, X), axis=1)


def scale_features(X, mean=None, std=None):
    X = _as_matrix(X)
    if mean is None:
        mean = X.sum(axis=0) / X.shape[0]
    if std is None:
        std = np.sqrt(((X - mean) ** 2).mean(axis=0))
    mean, std = _as_matrix(mean), _as_matrix(std)
    return (X - mean) / np.where(std > 0, std, 1.0), mean, std


def predict(X_b, theta):
    return np.dot(X_b, theta)


def mse_loss(X_b, y, theta):
    return float(np.square(_residuals(X_b, y, theta)).mean())


def mse_gradient(X_b, y, theta):
    r = _residuals(X_b, y, theta)
    return 2 * np.dot(X_b.T, r) / r.shape[0]


def normal_equation(X_b, y):
    gram = X_b.T.dot(X_b)
    try:
        return np.linalg.inv(gram).dot(X_b.T).dot(y) if np.linalg.cond(gram) < 1e12 else np.linalg.pinv(X_b).dot(y)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(X_b).dot(y)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    theta = np.zeros(X_b.shape[1])
    losses = []
    for _ in range(n_epochs):
        for rows in _batches(X_b.shape[0], batch_size, rng):
            theta = theta - learning_rate * mse_gradient(X_b[rows], y[rows], theta)
        losses.append(mse_loss(X_b, y, theta))
    return theta, losses
