"""Correct, with np.lib.stride_tricks.sliding_window_view and einsum: the windows are a view of
the padded input, never copied."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    return tuple(int((n + 2 * padding - kernel_size) // stride + 1) for n in (H, W))


def windows_of(X, k, s):
    """(m, H_out, W_out, C, k, k): the k x k windows of X, s apart (a view)."""
    return sliding_window_view(X, (k, k), axis=(1, 2))[:, ::s, ::s]


class Conv2D:
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        generator = np.random.default_rng(0) if rng is None else rng
        self.k, self.stride, self.pad = kernel_size, stride, padding
        W = generator.normal(size=(kernel_size, kernel_size, n_in, n_out)) * np.sqrt(2 / (kernel_size ** 2 * n_in))
        self.params = {"W": W, "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros(W.shape), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        p = self.pad
        self.Xp = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
        self.in_shape = X.shape
        view = windows_of(self.Xp, self.k, self.stride)
        return np.einsum("myxcuv,uvco->myxo", view, self.params["W"], optimize=True) + self.params["b"]

    def backward(self, dout):
        k, s, p = self.k, self.stride, self.pad
        view = windows_of(self.Xp, k, s)
        self.grads["W"] = np.einsum("myxcuv,myxo->uvco", view, dout, optimize=True)
        self.grads["b"] = np.einsum("myxo->o", dout)
        dview = np.einsum("myxo,uvco->myxuvc", dout, self.params["W"], optimize=True)
        dXp = np.zeros(self.Xp.shape)
        H_out, W_out = dout.shape[1:3]
        for u in range(k):
            for v in range(k):
                dXp[:, u:u + s * H_out:s, v:v + s * W_out:s, :] += dview[:, :, :, u, v, :]
        m, H, W, C = self.in_shape
        return dXp[:, p:p + H, p:p + W, :]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=None):
        self.size = pool_size
        self.step = stride or pool_size
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        view = windows_of(X, self.size, self.step)            # (m, H_out, W_out, C, k, k)
        flat = view.reshape(*view.shape[:4], -1)
        self.first = flat.argmax(axis=-1)                      # first maximum, row-major in the window
        self.in_shape = X.shape
        return flat.max(axis=-1)

    def backward(self, dout):
        k, s = self.size, self.step
        dX = np.zeros(self.in_shape)
        H_out, W_out = dout.shape[1:3]
        u, v = np.divmod(self.first, k)
        for du in range(k):
            for dv in range(k):
                chosen = (u == du) & (v == dv)
                dX[:, du:du + s * H_out:s, dv:dv + s * W_out:s, :] += np.where(chosen, dout, 0.0)
        return dX


class Flatten:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.shape = X.shape
        return np.reshape(X, (X.shape[0], -1), order="C")

    def backward(self, dout):
        return np.reshape(dout, self.shape)
