"""Correct, with the textbook 1 / (1 + e^-z) under np.errstate and the loss as softplus(z) - y z."""

import numpy as np


def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def predict_proba(X_b, theta):
    return sigmoid(X_b @ theta)


def log_loss(X_b, y, theta):
    z = X_b @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def log_loss_gradient(X_b, y, theta):
    error = predict_proba(X_b, theta) - y
    return np.mean(X_b * error[:, None], axis=0)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    theta = np.zeros(X_b.shape[1])
    loss_history = []
    for _ in range(n_epochs):
        if batch_size is None:
            theta = theta - learning_rate * log_loss_gradient(X_b, y, theta)
        else:
            perm = rng.permutation(X_b.shape[0])
            X_perm, y_perm = X_b[perm], y[perm]
            for start in range(0, X_b.shape[0], batch_size):
                stop = start + batch_size
                theta = theta - learning_rate * log_loss_gradient(X_perm[start:stop], y_perm[start:stop], theta)
        loss_history.append(log_loss(X_b, y, theta))
    return theta, np.array(loss_history)


def predict(X_b, theta, threshold=0.5):
    return (predict_proba(X_b, theta) >= threshold).astype(int)
