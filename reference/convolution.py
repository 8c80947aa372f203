"""The instructor's solution of assignment 06 `convolution`: convolutional layers by hand.

Images are NHWC, as in Keras: X has shape (m, H, W, C). The layers follow
assignment 04's protocol: `params` and `grads` (same keys, same order),
`forward(X, training=True)` caching what `backward(dout)` needs, and
`backward` returning dLoss/dX and filling `grads`. Inputs are never modified.

Conv2D and MaxPool2D loop over the k x k offsets of the kernel (or the pool
window), never over pixels: each offset is one strided slice of the input.
"""

import numpy as np


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    """(H_out, W_out): (H + 2 padding - kernel_size) // stride + 1, the same for W."""
    return ((H + 2 * padding - kernel_size) // stride + 1,
            (W + 2 * padding - kernel_size) // stride + 1)


def _window(array, u, v, stride, H_out, W_out):
    """The entries that offset (u, v) of every window reads: shape (m, H_out, W_out, C)."""
    return array[:, u:u + stride * (H_out - 1) + 1:stride, v:v + stride * (W_out - 1) + 1:stride]


class Conv2D:
    """out[i, y, x, o] = b[o] + sum_{u, v, c} Xpad[i, y s + u, x s + v, c] W[u, v, c, o]."""

    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        k = kernel_size
        self.kernel_size, self.stride, self.padding = k, stride, padding
        std = np.sqrt(2.0 / (k * k * n_in))
        self.params = {"W": rng.normal(0.0, std, size=(k, k, n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    def forward(self, X, training=True):
        p, s, k = self.padding, self.stride, self.kernel_size
        self.X_shape = X.shape
        self.Xpad = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
        H_out, W_out = conv_output_shape(X.shape[1], X.shape[2], k, s, p)
        W = self.params["W"]
        out = np.zeros((X.shape[0], H_out, W_out, W.shape[3]))
        for u in range(k):
            for v in range(k):
                out += _window(self.Xpad, u, v, s, H_out, W_out) @ W[u, v]
        return out + self.params["b"]

    def backward(self, dout):
        p, s, k = self.padding, self.stride, self.kernel_size
        H_out, W_out = dout.shape[1:3]
        W = self.params["W"]
        dW = np.zeros_like(W)
        dXpad = np.zeros(self.Xpad.shape)
        for u in range(k):
            for v in range(k):
                dW[u, v] = np.tensordot(_window(self.Xpad, u, v, s, H_out, W_out), dout,
                                        axes=([0, 1, 2], [0, 1, 2]))
                _window(dXpad, u, v, s, H_out, W_out)[...] += dout @ W[u, v].T
        self.grads["W"] = dW
        self.grads["b"] = dout.sum(axis=(0, 1, 2))
        H, W_in = self.X_shape[1:3]
        return dXpad[:, p:p + H, p:p + W_in]


class MaxPool2D:
    """The maximum of each pool_size x pool_size window; stride None means pool_size."""

    def __init__(self, pool_size=2, stride=None):
        self.pool_size = pool_size
        self.stride = pool_size if stride is None else stride
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        k, s = self.pool_size, self.stride
        H_out, W_out = conv_output_shape(X.shape[1], X.shape[2], k, s)
        self.X_shape = X.shape
        # The windows' entries in row-major order of the offsets: argmax takes the first maximum.
        windows = np.stack([_window(X, u, v, s, H_out, W_out) for u in range(k) for v in range(k)])
        self.argmax = windows.argmax(axis=0)
        return windows.max(axis=0)

    def backward(self, dout):
        k, s = self.pool_size, self.stride
        H_out, W_out = dout.shape[1:3]
        dX = np.zeros(self.X_shape)
        for u in range(k):
            for v in range(k):
                _window(dX, u, v, s, H_out, W_out)[...] += dout * (self.argmax == u * k + v)
        return dX


class Flatten:
    """(m, ...) to (m, product of the rest), in C order."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.X_shape)
