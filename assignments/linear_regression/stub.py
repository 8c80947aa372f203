"""Assignment 01: linear regression, trained by gradient descent.

Fill in every function below; keep the names and signatures. The grader calls
them with NumPy arrays and compares the results with the reference solution.

Notation (Géron, Hands-On Machine Learning, ch. 4, as in the slides):
    X      (m, n)    m samples, n features
    X_b    (m, n+1)  X with a leading column of ones (the bias): X_b[:, 0] == 1
    y      (m,)      targets
    theta  (n+1,)    parameters, theta[0] is the bias
    eta              the learning rate

Conventions the checks rely on:
    - float64 throughout; float32 code is accepted within about 2e-4 relative.
    - Losses are MEANS over the m samples, never sums.
    - Never modify an input array: work on copies.
    - Results are compared with the reference at rtol 1e-6 (float64).
    - normal_equation is judged by ||theta - solution|| / ||solution||, which
      may be up to 2 m (n+1) u cond(X_b^T X_b), with u = 2^-53 in float64 and
      2^-24 in float32: solving an ill-conditioned system loses digits.
    - Each check has a time budget of 10 s (fit's: 30 s): loops are fine.

Check your work with:  grade check linear_regression.py
"""

import numpy as np


def add_bias(X):
    """Add the bias column: X_b = [1 | X].

    Parameters: X (m, n).
    Returns: X_b (m, n+1) float64, whose first column is all ones.
    """
    raise NotImplementedError("add_bias is not implemented yet")


def scale_features(X, mean=None, std=None):
    """Standardise each column: (X - mean) / std.

    Parameters:
        X (m, n).
        mean (n,) or None: None means compute it from X (column means).
        std (n,) or None: None means compute it from X, population std (ddof=0).
            Given statistics are used as they are: test data is scaled with
            the TRAINING set's mean and std, never its own.
    A column with std 0 (constant) is centred and divided by 1, not by 0; its
    returned std stays 0.
    Returns: (X_scaled (m, n), mean (n,), std (n,)).
    """
    raise NotImplementedError("scale_features is not implemented yet")


def predict(X_b, theta):
    """Predictions y_hat = X_b theta.

    Parameters: X_b (m, n+1), theta (n+1,).
    Returns: (m,).
    """
    raise NotImplementedError("predict is not implemented yet")


def mse_loss(X_b, y, theta):
    """Mean squared error: MSE(theta) = 1/m * sum_i (theta^T x_i - y_i)^2.

    Parameters: X_b (m, n+1), y (m,), theta (n+1,).
    Returns: a float (the mean over m, not the sum).
    """
    raise NotImplementedError("mse_loss is not implemented yet")


def mse_gradient(X_b, y, theta):
    """Gradient of the MSE: grad = 2/m * X_b^T (X_b theta - y).

    Parameters: X_b (m, n+1), y (m,), theta (n+1,).
    Returns: (n+1,). Checked against the numerical derivative of YOUR
    mse_loss and against the reference.
    """
    raise NotImplementedError("mse_gradient is not implemented yet")


def normal_equation(X_b, y):
    """Closed-form least squares: theta = (X_b^T X_b)^(-1) X_b^T y.

    Parameters: X_b (m, n+1), y (m,).
    Returns: theta (n+1,). (np.linalg.lstsq or np.linalg.pinv are stabler
    than inverting X_b^T X_b.)
    """
    raise NotImplementedError("normal_equation is not implemented yet")


def fit(X_b, y, learning_rate=0.1, n_epochs=100, batch_size=None, rng=None):
    """Gradient descent: theta <- theta - eta * grad, starting from theta = 0.

    Parameters:
        X_b (m, n+1), y (m,).
        learning_rate: eta.
        n_epochs: number of passes over the data.
        batch_size: None means full batch, one step per epoch. Otherwise each
            epoch draws ONE permutation, order = rng.permutation(m), and takes
            one step per consecutive slice of batch_size rows of it (the last
            slice may be smaller); the gradient of a step is the mean over its
            slice.
        rng: a numpy.random.Generator; None means np.random.default_rng(0).
    Returns: (theta (n+1,), loss_history), where loss_history[e] is
    mse_loss on the WHOLE training set after epoch e; len == n_epochs.
    """
    raise NotImplementedError("fit is not implemented yet")
