"""Assignment 06 - convolution: convolutional layers by hand.

Write, with NumPy only, the layers of a convolutional network: a function that
gives the output size of a convolution, a 2-D convolution with stride and zero
padding, max pooling, and the flattening that hands the feature maps to dense
layers. The grader then trains a small network of your layers (with a dense
layer of its own) on MNIST digits.

Every body that raises NotImplementedError is yours to write. Keep the names,
the signatures and what each function returns; you may add helpers of your own.
Check your work with `grade check convolution.py`.

Conventions the checks rely on
- Images are NHWC, as in Keras: X has shape (m, H, W, C), m images of H rows
  and W columns with C channels.
- Arrays are NumPy float64 (a float32 implementation is accepted within
  float32 tolerance). Your results are compared with the instructor's
  reference at a relative tolerance of about 1e-6 in float64.
- Never modify an input array in place (X, dout): compute new arrays.
- `rng` arguments are numpy.random.Generator objects; None means
  numpy.random.default_rng(0).
- The layers follow assignment 04: two dicts, `params` and `grads`, from a
  name to an array, the same keys in the same order; `forward(X,
  training=True)` returns the output and keeps what backward needs;
  `backward(dout)` follows the *last* forward: `dout` is dLoss/d(output), it
  returns dLoss/dX (X's shape) and stores dLoss/d(param) in `grads`.
"""

import numpy as np


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    """The height and width of a convolution's (or a pooling's) output.

    A kernel_size x kernel_size window slides over the input padded with
    `padding` zeros on every side, `stride` pixels at a time; windows that do
    not fit are dropped. Returns (H_out, W_out), two ints:
    H_out = (H + 2 * padding - kernel_size) // stride + 1, and the same for W.
    """
    raise NotImplementedError("conv_output_shape is not implemented yet")


class Conv2D:
    """A 2-D convolution (a cross-correlation, as Keras computes it) with stride and zero padding.

    params = {"W": (k, k, n_in, n_out), "b": (n_out,)}, k = kernel_size.
    W starts He-initialised: normal, mean 0, std sqrt(2 / (k * k * n_in)),
    drawn from rng; b starts at zero.
    """

    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        """Keep the hyperparameters; set self.params as above and self.grads (zeros, same keys and shapes)."""
        raise NotImplementedError("Conv2D.__init__ is not implemented yet")

    def forward(self, X, training=True):
        """X: (m, H, W, n_in). Returns out of shape (m, H_out, W_out, n_out):

        Xpad is X with `padding` zeros around each image (rows and columns);
        out[i, y, x, o] = b[o] + sum over u, v, c of
                          Xpad[i, y * stride + u, x * stride + v, c] * W[u, v, c, o].
        `training` changes nothing here; it is part of the layer protocol.
        """
        raise NotImplementedError("Conv2D.forward is not implemented yet")

    def backward(self, dout):
        """dout: (m, H_out, W_out, n_out). Returns dX of X's shape (m, H, W, n_in).

        Fills grads["W"] (k, k, n_in, n_out) and grads["b"] (n_out,): sums over
        the m images and every output position, no division by m (the loss's
        gradient already has it). dX is the gradient with respect to Xpad with
        the padding cut off.
        """
        raise NotImplementedError("Conv2D.backward is not implemented yet")


class MaxPool2D:
    """Max pooling over pool_size x pool_size windows, `stride` pixels apart, each channel on its own.

    stride=None means stride = pool_size. No padding: windows that do not fit
    are dropped. No params: params = grads = {}.
    """

    def __init__(self, pool_size=2, stride=None):
        raise NotImplementedError("MaxPool2D.__init__ is not implemented yet")

    def forward(self, X, training=True):
        """X: (m, H, W, C). Returns (m, H_out, W_out, C), each entry the maximum of its window
        (H_out and W_out as conv_output_shape gives them, without padding)."""
        raise NotImplementedError("MaxPool2D.forward is not implemented yet")

    def backward(self, dout):
        """dout: (m, H_out, W_out, C). Returns dX of X's shape.

        Each window's upstream gradient goes to the position of its maximum;
        where several entries tie for the maximum, to the first of them in
        row-major order (row by row, left to right). Where windows overlap
        (stride < pool_size), an entry collects the gradients of every window
        whose maximum it is.
        """
        raise NotImplementedError("MaxPool2D.backward is not implemented yet")


class Flatten:
    """(m, ...) to (m, the product of the other dimensions), in C order (NumPy's default)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        """X: (m, ...). Returns (m, n) with n the product of X.shape[1:]."""
        raise NotImplementedError("Flatten.forward is not implemented yet")

    def backward(self, dout):
        """dout: (m, n). Returns dout in the shape of the last forward's input."""
        raise NotImplementedError("Flatten.backward is not implemented yet")
