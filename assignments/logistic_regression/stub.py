"""Assignment 02 - Logistic regression.

Write binary logistic regression with NumPy: the sigmoid, the estimated
probabilities p = sigma(X_b theta), the log loss (cross-entropy) and its
gradient, a gradient-descent `fit` that works in full batch or in mini-batches,
and the class prediction.

Conventions (the checks rely on them):
- X_b is the design matrix, shape (m, n+1), whose first column is all ones
  (the bias); theta has shape (n+1,); y holds labels 0 or 1, shape (m,);
- arrays are NumPy float64; a float32 solution is accepted within float32
  tolerance;
- losses and gradients are means over the m rows, never sums;
- never modify an input array;
- results are compared with the instructor's solution at a relative tolerance
  of 1e-6 in float64 (about 1e-4 for a float32 solution), on public and hidden
  inputs with non-default arguments; extreme inputs (|z| up to 1e4) must give
  finite results, and sigmoid must not warn of an overflow there;
- each check has a time budget of 10 s (fit's: 30 s): loops are fine.
"""

import numpy as np


def sigmoid(z):
    """The logistic function sigma(z) = 1 / (1 + e^(-z)), element-wise.

    Must stay finite and exact in the tails for |z| up to 1e4: no nan and no
    overflow warning. The naive e^z / (1 + e^z) gives inf / inf = nan for
    large z; compute from e^(-|z|) instead (branch on the sign of z), or use
    another stable form.

    Parameters
    ----------
    z : ndarray of any shape (or a float), float64

    Returns
    -------
    ndarray, same shape as z, float64, values in [0, 1]
    """
    raise NotImplementedError("sigmoid is not implemented yet")


def predict_proba(X_b, theta):
    """Estimated probability of class 1: p = sigma(X_b theta).

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    theta : ndarray, shape (n+1,), float64

    Returns
    -------
    p : ndarray, shape (m,), float64
    """
    raise NotImplementedError("predict_proba is not implemented yet")


def log_loss(X_b, y, theta):
    """Log loss (cross-entropy), a mean over the m rows:

        J(theta) = -1/m sum_i [ y_i log(p_i) + (1 - y_i) log(1 - p_i) ],
        p = sigma(X_b theta)

    Must stay finite when p saturates to exactly 0 or 1 (|X_b theta| up to
    1e4). Either compute from the logits z = X_b theta, using
    -log(p) = log(1 + e^(-z)) and -log(1 - p) = log(1 + e^z) (np.logaddexp),
    or clip p to [1e-15, 1 - 1e-15] before taking logs.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), labels 0 or 1
    theta : ndarray, shape (n+1,), float64

    Returns
    -------
    float
    """
    raise NotImplementedError("log_loss is not implemented yet")


def log_loss_gradient(X_b, y, theta):
    """Gradient of the log loss with respect to theta:

        grad J(theta) = 1/m X_b^T (sigma(X_b theta) - y)

    (mean over the rows: note the 1/m).

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), labels 0 or 1
    theta : ndarray, shape (n+1,), float64

    Returns
    -------
    ndarray, shape (n+1,), float64
    """
    raise NotImplementedError("log_loss_gradient is not implemented yet")


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    """Train theta by gradient descent: theta <- theta - eta * grad J(theta).

    - Start from theta = 0 (all zeros).
    - batch_size=None: full batch, one step per epoch on all m rows.
    - Otherwise, at the start of each epoch draw one permutation
      perm = rng.permutation(m), then step once per consecutive slice
      perm[0:batch_size], perm[batch_size:2*batch_size], ... (the last slice
      may be smaller), using the gradient on that slice only. Draw exactly one
      permutation per epoch and nothing else from rng, so that your result
      matches the reference.
    - rng=None means np.random.default_rng(0).
    - After each epoch, record the log loss on the whole training set.

    A training run grades it too: fit(X_b, y, learning_rate=0.1, n_epochs=40,
    batch_size=16, rng) on 200 rows of two overlapping classes must end with a
    training loss at most 2% above the reference's, and a theta that
    classifies at least 80% of 1000 held-out rows right.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), labels 0 or 1
    learning_rate : float
        eta.
    n_epochs : int
    batch_size : int or None
    rng : numpy.random.Generator or None

    Returns
    -------
    theta : ndarray, shape (n+1,), float64
    loss_history : ndarray, shape (n_epochs,), float64
        loss_history[e] is the log loss on (X_b, y) after epoch e.
    """
    raise NotImplementedError("fit is not implemented yet")


def predict(X_b, theta, threshold=0.5):
    """Predicted classes: 1 where p >= threshold, else 0 (note >=, not >).

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    theta : ndarray, shape (n+1,), float64
    threshold : float

    Returns
    -------
    ndarray, shape (m,), integers in {0, 1}
    """
    raise NotImplementedError("predict is not implemented yet")
