"""Correct, keeping every array in float32 (within float32 tolerance of the reference)."""

import numpy as np

F = np.float32


def sigmoid(z):
    z = np.asarray(z, dtype=F)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, F(1) / (F(1) + e), e / (F(1) + e)).astype(F)


def predict_proba(X_b, theta):
    return sigmoid(X_b.astype(F) @ theta.astype(F))


def log_loss(X_b, y, theta):
    z = X_b.astype(F) @ theta.astype(F)
    y = y.astype(F)
    return F(np.mean(y * np.logaddexp(F(0), -z) + (F(1) - y) * np.logaddexp(F(0), z)))


def log_loss_gradient(X_b, y, theta):
    X = X_b.astype(F)
    return (X.T @ (predict_proba(X, theta) - y.astype(F)) / F(len(X))).astype(F)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    X, y, eta = X_b.astype(F), y.astype(F), F(learning_rate)
    theta = np.zeros(X.shape[1], dtype=F)
    history = np.zeros(n_epochs, dtype=F)
    for epoch in range(n_epochs):
        if batch_size is None:
            theta = theta - eta * log_loss_gradient(X, y, theta)
        else:
            perm = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                b = perm[start:start + batch_size]
                theta = theta - eta * log_loss_gradient(X[b], y[b], theta)
        history[epoch] = log_loss(X, y, theta)
    return theta, history


def predict(X_b, theta, threshold=0.5):
    return (predict_proba(X_b, theta) >= threshold).astype(np.int32)
