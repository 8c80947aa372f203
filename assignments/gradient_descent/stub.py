"""Assignment 00 - Gradient descent (warm-up).

Write three small optimisation tools and try them on the paraboloid of the
slides, f(x, y) = x^2 + y^2: a numerical gradient by central differences,
gradient descent with an optionally decaying learning rate, and Adam. Each
function receives the function to optimise (or its gradient) as a Python
callable, so the same code works for any number of dimensions d.

Conventions (the checks rely on them):
- arrays are NumPy float64; a float32 solution is accepted within float32
  tolerance;
- never modify an input array: copy x / x0 before changing it;
- results are compared with the instructor's solution at a relative tolerance
  of 1e-6 in float64 (about 1e-4 for a float32 solution), on public and hidden
  inputs with non-default arguments;
- numerical_gradient must agree with the analytic gradient to a relative error
  of 1e-6 (||yours - exact|| / ||exact||);
- each check has a time budget of 10 s: plain loops are fast enough.
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    """Gradient of a scalar function by central differences.

    For each coordinate i, with e_i the i-th unit vector:

        grad_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    Perturb one coordinate at a time (2 d calls of f), never all at once.
    Example: for f(x, y) = x^2 + y^2 at (1, 2) the result is close to (2, 4).

    Parameters
    ----------
    f : callable
        Takes a float64 array of shape (d,) and returns a float.
    x : ndarray, shape (d,), float64
        Point at which to differentiate; not modified.
    eps : float
        Half the width of the central difference.

    Returns
    -------
    grad : ndarray, shape (d,), float64
    """
    raise NotImplementedError("numerical_gradient is not implemented yet")


def gradient_descent(grad, x0, learning_rate=0.1, n_steps=100, decay=0.0):
    """Gradient descent with the schedule eta_t = learning_rate / (1 + decay t).

    Starting from x_0 = x0, for t = 0, 1, ..., n_steps - 1:

        eta_t   = learning_rate / (1 + decay * t)
        x_{t+1} = x_t - eta_t * grad(x_t)

    (t counts from 0, so the first step uses learning_rate itself; decay=0
    keeps the learning rate constant.)

    Parameters
    ----------
    grad : callable
        Takes a float64 array of shape (d,) and returns the gradient, shape (d,).
    x0 : ndarray, shape (d,), float64
        Starting point; not modified.
    learning_rate : float
        eta_0.
    n_steps : int
        Number of steps.
    decay : float
        Decay of the learning rate.

    Returns
    -------
    path : ndarray, shape (n_steps + 1, d), float64
        path[0] is a copy of x0, path[t] is x_t.
    """
    raise NotImplementedError("gradient_descent is not implemented yet")


def adam(grad, x0, learning_rate=0.001, n_steps=100, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba) with bias correction.

    m and v start at zero. For t = 1, 2, ..., n_steps (t counts from 1),
    with g = grad(x_{t-1}) and all operations element-wise:

        m     = beta1 m + (1 - beta1) g
        v     = beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)
        v_hat = v / (1 - beta2^t)
        x_t   = x_{t-1} - learning_rate * m_hat / (sqrt(v_hat) + eps)

    Note that eps is added to sqrt(v_hat), outside the square root.

    Parameters
    ----------
    grad : callable
        Takes a float64 array of shape (d,) and returns the gradient, shape (d,).
    x0 : ndarray, shape (d,), float64
        Starting point; not modified.
    learning_rate, beta1, beta2, eps : float
        Adam's hyperparameters.
    n_steps : int
        Number of steps.

    Returns
    -------
    path : ndarray, shape (n_steps + 1, d), float64
        path[0] is a copy of x0, path[t] is x_t.
    """
    raise NotImplementedError("adam is not implemented yet")
