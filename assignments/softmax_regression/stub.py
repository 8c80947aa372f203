"""Assignment 03 - Softmax regression.

Generalise logistic regression to K classes: one-hot targets, the softmax
function, the cross-entropy loss and its gradient, a gradient-descent `fit`
that works in full batch or in mini-batches, and the class prediction.

Conventions (the checks rely on them):
- X_b is the design matrix, shape (m, n+1), whose first column is all ones
  (the bias); Theta has shape (n+1, K), one column of parameters per class;
  y holds integer labels 0..K-1, shape (m,);
- arrays are NumPy float64; a float32 solution is accepted within float32
  tolerance;
- losses and gradients are means over the m rows, never sums;
- never modify an input array;
- results are compared with the instructor's solution at a relative tolerance
  of 1e-6 in float64 (about 1e-4 for a float32 solution), on public and hidden
  inputs with non-default arguments; extreme logits (up to 1e4 in absolute
  value) must give finite results;
- each check has a time budget of 10 s (fit's: 30 s): loops are fine.
"""

import numpy as np


def one_hot(y, n_classes):
    """One-hot encoding: Y[i, c] = 1 if y[i] == c else 0.

    Parameters
    ----------
    y : ndarray, shape (m,), integer labels 0..n_classes-1
    n_classes : int
        K.

    Returns
    -------
    Y : ndarray, shape (m, K), float64 (one row per sample)
    """
    raise NotImplementedError("one_hot is not implemented yet")


def softmax(Z):
    """Row-wise softmax of the logits (scores) Z:

        P_ic = exp(Z_ic) / sum_j exp(Z_ij)

    Each row is one sample and sums to 1. Must stay finite for logits up to
    1e4 in absolute value: subtract each row's own maximum before exp (this
    does not change the result), not one maximum for the whole matrix.

    Parameters
    ----------
    Z : ndarray, shape (m, K), float64

    Returns
    -------
    P : ndarray, shape (m, K), float64, rows sum to 1
    """
    raise NotImplementedError("softmax is not implemented yet")


def softmax_loss(X_b, y, Theta):
    """Cross-entropy, a mean over the m rows:

        J(Theta) = -1/m sum_i sum_c Y_ic log(P_ic),
        P = softmax(X_b Theta), Y = one_hot(y, K)

    Tip: computing log P from the logits with the log-sum-exp trick,
    log P_ic = Z_ic - max_j Z_ij - log sum_j exp(Z_ij - max_j Z_ij),
    keeps the loss finite even when some probabilities underflow to 0.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), integer labels 0..K-1
    Theta : ndarray, shape (n+1, K), float64

    Returns
    -------
    float
    """
    raise NotImplementedError("softmax_loss is not implemented yet")


def softmax_gradient(X_b, y, Theta):
    """Gradient of the cross-entropy with respect to Theta:

        grad J(Theta) = 1/m X_b^T (P - Y),
        P = softmax(X_b Theta), Y = one_hot(y, K)

    (mean over the rows: note the 1/m). Take K from Theta.shape[1], not from
    the labels present in y.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), integer labels 0..K-1
    Theta : ndarray, shape (n+1, K), float64

    Returns
    -------
    ndarray, shape (n+1, K), float64
    """
    raise NotImplementedError("softmax_gradient is not implemented yet")


def fit(X_b, y, n_classes, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    """Train Theta by gradient descent: Theta <- Theta - eta * grad J(Theta).

    - Start from Theta = 0 (all zeros), shape (n+1, n_classes).
    - batch_size=None: full batch, one step per epoch on all m rows.
    - Otherwise, at the start of each epoch draw one permutation
      perm = rng.permutation(m), then step once per consecutive slice
      perm[0:batch_size], perm[batch_size:2*batch_size], ... (the last slice
      may be smaller), using the gradient on that slice only. Draw exactly one
      permutation per epoch and nothing else from rng, so that your result
      matches the reference.
    - rng=None means np.random.default_rng(0).
    - After each epoch, record the cross-entropy on the whole training set.

    A training run grades it too: fit(X_b, y, 3, learning_rate=0.1,
    n_epochs=40, batch_size=16, rng) on 240 rows of 3 overlapping classes must
    end with a training loss at most 2% above the reference's, and a Theta
    that classifies at least 74% of 1200 held-out rows right.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    y : ndarray, shape (m,), integer labels 0..n_classes-1
    n_classes : int
        K.
    learning_rate : float
        eta.
    n_epochs : int
    batch_size : int or None
    rng : numpy.random.Generator or None

    Returns
    -------
    Theta : ndarray, shape (n+1, K), float64
    loss_history : ndarray, shape (n_epochs,), float64
        loss_history[e] is the cross-entropy on (X_b, y) after epoch e.
    """
    raise NotImplementedError("fit is not implemented yet")


def predict(X_b, Theta):
    """Predicted class of each row: the argmax over the K classes of
    softmax(X_b Theta), which is also the argmax of the logits X_b Theta.

    Parameters
    ----------
    X_b : ndarray, shape (m, n+1), float64, first column all ones
    Theta : ndarray, shape (n+1, K), float64

    Returns
    -------
    ndarray, shape (m,), integer labels 0..K-1
    """
    raise NotImplementedError("predict is not implemented yet")
