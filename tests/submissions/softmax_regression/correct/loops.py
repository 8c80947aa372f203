"""Correct, written with explicit Python loops over the samples and the math module."""

import math

import numpy as np


def one_hot(y, n_classes):
    Y = np.zeros((len(y), n_classes))
    for i, label in enumerate(y):
        Y[i, int(label)] = 1.0
    return Y


def _log_softmax_row(z):
    top = max(z)
    log_total = math.log(sum(math.exp(v - top) for v in z))
    return [v - top - log_total for v in z]


def softmax(Z):
    P = np.zeros((len(Z), len(Z[0])))
    for i in range(len(Z)):
        row = [float(v) for v in Z[i]]
        top = max(row)
        exps = [math.exp(v - top) for v in row]
        total = sum(exps)
        for c in range(len(row)):
            P[i, c] = exps[c] / total
    return P


def softmax_loss(X_b, y, Theta):
    total = 0.0
    for i in range(len(X_b)):
        z = [float(v) for v in X_b[i] @ Theta]
        total -= _log_softmax_row(z)[int(y[i])]
    return total / len(X_b)


def softmax_gradient(X_b, y, Theta):
    P = softmax(X_b @ Theta)
    grad = np.zeros(Theta.shape)
    for i in range(len(X_b)):
        error = P[i].copy()
        error[int(y[i])] -= 1.0
        grad += np.outer(X_b[i], error)
    return grad / len(X_b)


def fit(X_b, y, n_classes, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    m = len(X_b)
    Theta = np.zeros((X_b.shape[1], n_classes))
    losses = []
    for _ in range(n_epochs):
        if batch_size is None:
            batches = [list(range(m))]
        else:
            perm = rng.permutation(m)
            batches = [perm[start:start + batch_size] for start in range(0, m, batch_size)]
        for rows in batches:
            Theta = Theta - learning_rate * softmax_gradient(X_b[rows], y[rows], Theta)
        losses.append(softmax_loss(X_b, y, Theta))
    return Theta, np.array(losses)


def predict(X_b, Theta):
    Z = X_b @ Theta
    labels = np.zeros(len(Z), dtype=int)
    for i in range(len(Z)):
        best = 0
        for c in range(1, Z.shape[1]):
            if Z[i, c] > Z[i, best]:
                best = c
        labels[i] = best
    return labels
