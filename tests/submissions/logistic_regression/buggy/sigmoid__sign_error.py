"""sigmoid returns 1 / (1 + e^z), which is sigma(-z); predict_proba keeps its own correct formula."""

import numpy as np


def sigmoid(z):
    """1 / (1 + e^z), computed from e^(-|z|): the sign of z is flipped, so this is sigma(-z)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))


def predict_proba(X_b, theta):
    """p = sigma(X_b theta), shape (m,)."""
    z = X_b @ theta
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def log_loss(X_b, y, theta):
    """Mean cross-entropy from the logits: -log p = log(1 + e^(-z)), -log(1 - p) = log(1 + e^z)."""
    z = X_b @ theta
    return float(np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))


def log_loss_gradient(X_b, y, theta):
    """1/m X_b^T (sigma(X_b theta) - y), shape (n+1,)."""
    return X_b.T @ (predict_proba(X_b, theta) - y) / X_b.shape[0]


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    """Gradient descent from theta = 0; returns (theta, loss after each epoch)."""
    rng = np.random.default_rng(0) if rng is None else rng
    m = X_b.shape[0]
    theta = np.zeros(X_b.shape[1])
    loss_history = np.empty(n_epochs)
    for epoch in range(n_epochs):
        if batch_size is None:
            theta = theta - learning_rate * log_loss_gradient(X_b, y, theta)
        else:
            perm = rng.permutation(m)
            for start in range(0, m, batch_size):
                rows = perm[start:start + batch_size]
                theta = theta - learning_rate * log_loss_gradient(X_b[rows], y[rows], theta)
        loss_history[epoch] = log_loss(X_b, y, theta)
    return theta, loss_history


def predict(X_b, theta, threshold=0.5):
    """1 where p >= threshold, else 0, as ints of shape (m,)."""
    return (predict_proba(X_b, theta) >= threshold).astype(np.int64)
