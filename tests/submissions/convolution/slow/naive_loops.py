"""Correct, and as slow as a student is likely to write it: Conv2D and MaxPool2D loop over images,
filters (or channels), rows and columns, one output number at a time. Its training run takes the
better part of a minute, within the check's budget."""

import numpy as np


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    return (H + 2 * padding - kernel_size) // stride + 1, (W + 2 * padding - kernel_size) // stride + 1


class Conv2D:
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        if rng is None:
            rng = np.random.default_rng(0)
        self.k, self.s, self.p = kernel_size, stride, padding
        std = np.sqrt(2.0 / (kernel_size * kernel_size * n_in))
        self.params = {"W": rng.normal(0.0, std, (kernel_size, kernel_size, n_in, n_out)), "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros((kernel_size, kernel_size, n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        m, H, W, C = X.shape
        k, s, p = self.k, self.s, self.p
        Xpad = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
        H_out, W_out = conv_output_shape(H, W, k, s, p)
        weights, bias = self.params["W"], self.params["b"]
        out = np.zeros((m, H_out, W_out, weights.shape[3]))
        for i in range(m):
            for f in range(weights.shape[3]):
                for y in range(H_out):
                    for x in range(W_out):
                        out[i, y, x, f] = np.sum(Xpad[i, y * s:y * s + k, x * s:x * s + k, :] * weights[:, :, :, f]) \
                            + bias[f]
        self.X_shape, self.Xpad = X.shape, Xpad
        return out

    def backward(self, dout):
        m, H, W, C = self.X_shape
        k, s, p = self.k, self.s, self.p
        weights = self.params["W"]
        dW, db, dXpad = np.zeros_like(weights), np.zeros(weights.shape[3]), np.zeros_like(self.Xpad)
        for i in range(m):
            for f in range(weights.shape[3]):
                for y in range(dout.shape[1]):
                    for x in range(dout.shape[2]):
                        g = dout[i, y, x, f]
                        dW[:, :, :, f] += self.Xpad[i, y * s:y * s + k, x * s:x * s + k, :] * g
                        dXpad[i, y * s:y * s + k, x * s:x * s + k, :] += weights[:, :, :, f] * g
                        db[f] += g
        self.grads["W"], self.grads["b"] = dW, db
        return dXpad[:, p:p + H, p:p + W, :]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=None):
        self.k = pool_size
        self.s = pool_size if stride is None else stride
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        m, H, W, C = X.shape
        k, s = self.k, self.s
        H_out, W_out = conv_output_shape(H, W, k, s)
        out = np.zeros((m, H_out, W_out, C))
        self.where = {}
        for i in range(m):
            for c in range(C):
                for y in range(H_out):
                    for x in range(W_out):
                        window = X[i, y * s:y * s + k, x * s:x * s + k, c]
                        u, v = divmod(int(np.argmax(window)), k)
                        self.where[i, y, x, c] = (y * s + u, x * s + v)
                        out[i, y, x, c] = window[u, v]
        self.X_shape = X.shape
        return out

    def backward(self, dout):
        dX = np.zeros(self.X_shape)
        for (i, y, x, c), (row, col) in self.where.items():
            dX[i, row, col, c] += dout[i, y, x, c]
        return dX


class Flatten:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.X_shape)
