"""Loss and gradient both sum over the rows instead of taking the mean."""

import numpy as np


def one_hot(y, n_classes):
    """Y[i, y[i]] = 1, shape (m, K), float64."""
    y = np.asarray(y).astype(np.intp)
    Y = np.zeros((y.shape[0], n_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def softmax(Z):
    """Row-wise softmax; the per-row max is subtracted first so that exp never overflows."""
    Z = np.asarray(Z, dtype=np.float64)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_loss(X_b, y, Theta):
    """-1/m sum_i sum_c Y_ic log P_ic, with log P from log-sum-exp of the logits."""
    Z = X_b @ Theta
    Z = Z - Z.max(axis=1, keepdims=True)
    log_P = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-np.sum(one_hot(y, Theta.shape[1]) * log_P))


def softmax_gradient(X_b, y, Theta):
    """1/m X_b^T (P - Y), shape (n+1, K)."""
    P = softmax(X_b @ Theta)
    return X_b.T @ (P - one_hot(y, Theta.shape[1]))


def fit(X_b, y, n_classes, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    """Gradient descent from Theta = 0; returns (Theta, loss after each epoch)."""
    rng = np.random.default_rng(0) if rng is None else rng
    m = X_b.shape[0]
    Theta = np.zeros((X_b.shape[1], n_classes))
    loss_history = np.empty(n_epochs)
    for epoch in range(n_epochs):
        if batch_size is None:
            Theta = Theta - learning_rate * softmax_gradient(X_b, y, Theta)
        else:
            perm = rng.permutation(m)
            for start in range(0, m, batch_size):
                rows = perm[start:start + batch_size]
                Theta = Theta - learning_rate * softmax_gradient(X_b[rows], y[rows], Theta)
        loss_history[epoch] = softmax_loss(X_b, y, Theta)
    return Theta, loss_history


def predict(X_b, Theta):
    """Most probable class of each row (argmax of the logits), shape (m,)."""
    return np.argmax(X_b @ Theta, axis=1)
