"""Correct, keeping every array in float32 (within float32 tolerance of the reference)."""

import numpy as np

F = np.float32


def one_hot(y, n_classes):
    return np.eye(n_classes, dtype=F)[np.asarray(y, dtype=int)]


def softmax(Z):
    Z = np.asarray(Z, dtype=F)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _log_softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def softmax_loss(X_b, y, Theta):
    log_P = _log_softmax(X_b.astype(F) @ Theta.astype(F))
    return F(-np.mean(log_P[np.arange(len(y)), np.asarray(y, dtype=int)]))


def softmax_gradient(X_b, y, Theta):
    X = X_b.astype(F)
    P = softmax(X @ Theta.astype(F))
    return X.T @ (P - one_hot(y, Theta.shape[1])) / F(len(X))


def fit(X_b, y, n_classes, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    X, eta = X_b.astype(F), F(learning_rate)
    Theta = np.zeros((X.shape[1], n_classes), dtype=F)
    history = np.zeros(n_epochs, dtype=F)
    for epoch in range(n_epochs):
        if batch_size is None:
            Theta = Theta - eta * softmax_gradient(X, y, Theta)
        else:
            perm = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                b = perm[start:start + batch_size]
                Theta = Theta - eta * softmax_gradient(X[b], y[b], Theta)
        history[epoch] = softmax_loss(X, y, Theta)
    return Theta, history


def predict(X_b, Theta):
    return np.argmax(X_b.astype(F) @ Theta.astype(F), axis=1)
