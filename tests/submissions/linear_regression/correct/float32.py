"""Correct, computing in float32 throughout."""
import numpy as np

F = np.float32


def add_bias(X):
    X = np.asarray(X, dtype=F)
    return np.concatenate([np.ones((len(X), 1), dtype=F), X], axis=1)


def scale_features(X, mean=None, std=None):
    X = np.asarray(X, dtype=F)
    mean = X.mean(axis=0) if mean is None else np.asarray(mean, dtype=F)
    std = X.std(axis=0) if std is None else np.asarray(std, dtype=F)
    safe = std.copy()
    safe[safe == 0] = 1
    return (X - mean) / safe, mean, std


def predict(X_b, theta):
    return np.asarray(X_b, dtype=F) @ np.asarray(theta, dtype=F)


def mse_loss(X_b, y, theta):
    r = predict(X_b, theta) - np.asarray(y, dtype=F)
    return np.mean(r * r)


def mse_gradient(X_b, y, theta):
    X_b = np.asarray(X_b, dtype=F)
    r = predict(X_b, theta) - np.asarray(y, dtype=F)
    return F(2) / F(len(r)) * (X_b.T @ r)


def normal_equation(X_b, y):
    return np.linalg.pinv(np.asarray(X_b, dtype=F)) @ np.asarray(y, dtype=F)


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = rng or np.random.default_rng(0)
    X_b, y = np.asarray(X_b, dtype=F), np.asarray(y, dtype=F)
    theta = np.zeros(X_b.shape[1], dtype=F)
    history = np.zeros(n_epochs, dtype=F)
    for epoch in range(n_epochs):
        slices = [np.arange(len(y))] if batch_size is None else np.array_split(
            rng.permutation(len(y)), range(batch_size, len(y), batch_size))
        for rows in slices:
            theta = theta - F(learning_rate) * mse_gradient(X_b[rows], y[rows], theta)
        history[epoch] = mse_loss(X_b, y, theta)
    return theta, history
