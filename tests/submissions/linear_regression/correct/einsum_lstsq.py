"""Correct, another student's way: np.c_ and einsum, a QR solve, batches by a while loop."""
import numpy as np


def add_bias(X):
    X = np.array(X, dtype=float)
    return np.c_[np.ones(X.shape[0]), X]


def scale_features(X, mean=None, std=None):
    data = np.array(X, dtype=float)
    mu = np.average(data, axis=0) if mean is None else np.array(mean, dtype=float)
    sd = np.sqrt(np.average((data - mu) ** 2, axis=0)) if std is None else np.array(std, dtype=float)
    divisor = sd.copy()
    divisor[divisor == 0.0] = 1.0
    return (data - mu) / divisor, mu, sd


def predict(X_b, theta):
    return np.einsum("ij,j->i", X_b, theta)


def mse_loss(X_b, y, theta):
    errors = np.subtract(predict(X_b, theta), y)
    return float(np.einsum("i,i->", errors, errors)) / errors.size


def mse_gradient(X_b, y, theta):
    errors = predict(X_b, theta) - y
    return np.einsum("ij,i->j", X_b, errors) * (2.0 / errors.size)


def normal_equation(X_b, y):
    q, r = np.linalg.qr(X_b)
    if np.min(np.abs(np.diag(r))) < 1e-10 * np.max(np.abs(np.diag(r))):
        return np.linalg.pinv(X_b).dot(y)
    return np.linalg.solve(r, q.T.dot(y))


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    n_rows = X_b.shape[0]
    weights = np.zeros(X_b.shape[1])
    curve = np.empty(n_epochs)
    for e in range(n_epochs):
        if batch_size is None:
            weights -= learning_rate * mse_gradient(X_b, y, weights)
        else:
            shuffled = rng.permutation(n_rows)
            begin = 0
            while begin < n_rows:
                chunk = shuffled[begin:begin + batch_size]
                weights -= learning_rate * mse_gradient(X_b[chunk], y[chunk], weights)
                begin += batch_size
        curve[e] = mse_loss(X_b, y, weights)
    return weights, curve
