"""Correct, with im2col: every window becomes a row of one matrix, the convolution one matrix
product, and the backward scatters the columns back with np.add.at."""

import numpy as np


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    return ((H + 2 * padding - kernel_size) // stride + 1, (W + 2 * padding - kernel_size) // stride + 1)


def window_indices(H, W, k, s, H_out, W_out):
    """Row and column index of each (output position, kernel offset) pair: (H_out*W_out, k*k)."""
    ys = (np.arange(H_out) * s)[:, None] + np.arange(k)[None, :]     # (H_out, k)
    xs = (np.arange(W_out) * s)[:, None] + np.arange(k)[None, :]     # (W_out, k)
    rows = ys[:, None, :, None] + np.zeros((1, W_out, 1, k), dtype=int)
    cols = xs[None, :, None, :] + np.zeros((H_out, 1, k, 1), dtype=int)
    return rows.reshape(H_out * W_out, k * k), cols.reshape(H_out * W_out, k * k)


class Conv2D:
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        std = (2.0 / (kernel_size ** 2 * n_in)) ** 0.5
        self.params = {"W": rng.normal(0.0, std, (kernel_size, kernel_size, n_in, n_out)),
                       "b": np.zeros(n_out)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}

    def forward(self, X, training=True):
        k, s, p = self.kernel_size, self.stride, self.padding
        m, H, W, C = X.shape
        padded = np.pad(X, [(0, 0), (p, p), (p, p), (0, 0)], mode="constant")
        H_out, W_out = conv_output_shape(H, W, k, s, p)
        rows, cols = window_indices(H + 2 * p, W + 2 * p, k, s, H_out, W_out)
        columns = padded[:, rows, cols, :].reshape(m * H_out * W_out, k * k * C)
        weights = self.params["W"].reshape(k * k * C, -1)
        self.saved = (X.shape, padded.shape, rows, cols, columns)
        return (columns @ weights + self.params["b"]).reshape(m, H_out, W_out, -1)

    def backward(self, dout):
        k, p = self.kernel_size, self.padding
        (m, H, W, C), padded_shape, rows, cols, columns = self.saved
        n_out = dout.shape[-1]
        flat = dout.reshape(-1, n_out)
        self.grads["W"] = (columns.T @ flat).reshape(k, k, C, n_out)
        self.grads["b"] = flat.sum(axis=0)
        dcolumns = (flat @ self.params["W"].reshape(k * k * C, n_out).T).reshape(m, rows.shape[0], k * k, C)
        dpadded = np.zeros(padded_shape)
        np.add.at(dpadded, (slice(None), rows, cols, slice(None)), dcolumns)
        return dpadded[:, p:p + H, p:p + W, :]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=None):
        self.pool_size = pool_size
        self.stride = pool_size if stride is None else stride
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        k, s = self.pool_size, self.stride
        m, H, W, C = X.shape
        H_out, W_out = conv_output_shape(H, W, k, s)
        rows, cols = window_indices(H, W, k, s, H_out, W_out)
        windows = X[:, rows, cols, :]                          # (m, H_out*W_out, k*k, C), row-major offsets
        first = windows.argmax(axis=2)
        self.saved = (X.shape, rows, cols, first)
        return np.take_along_axis(windows, first[:, :, None, :], axis=2).reshape(m, H_out, W_out, C)

    def backward(self, dout):
        shape, rows, cols, first = self.saved
        m, H_out, W_out, C = dout.shape
        dwindows = np.zeros((m, rows.shape[0], rows.shape[1], C))
        np.put_along_axis(dwindows, first[:, :, None, :], dout.reshape(m, -1, 1, C), axis=2)
        dX = np.zeros(shape)
        np.add.at(dX, (slice(None), rows, cols, slice(None)), dwindows)
        return dX


class Flatten:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.input_shape = X.shape
        return X.reshape(len(X), int(np.prod(X.shape[1:])))

    def backward(self, dout):
        return dout.reshape(self.input_shape)
