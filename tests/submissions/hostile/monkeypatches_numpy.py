"""Wrong answers, with numpy's comparisons patched to always agree."""
import numpy as np
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
np.linalg.norm = lambda *a, **k: 0.0

def add_bias(X):
    return np.zeros((len(X), len(X[0]) + 1))

def scale_features(X, mean=None, std=None):
    return X, np.zeros(len(X[0])), np.ones(len(X[0]))

def predict(X_b, theta):
    return np.zeros(len(X_b))

def mse_loss(X_b, y, theta):
    return 0.0

def mse_gradient(X_b, y, theta):
    return np.zeros(len(theta))

def normal_equation(X_b, y):
    return np.zeros(X_b.shape[1])

def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    return np.zeros(X_b.shape[1]), np.zeros(n_epochs)
