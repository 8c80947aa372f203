"""Correct, written with explicit loops over images and output positions (the slowest style a
student is likely to hand in: the training run must still fit in its time budget)."""

import numpy as np


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    H_out = (H + 2 * padding - kernel_size) // stride + 1
    W_out = (W + 2 * padding - kernel_size) // stride + 1
    return int(H_out), int(W_out)


class Conv2D:
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        if rng is None:
            rng = np.random.default_rng(0)
        self.k, self.s, self.p = kernel_size, stride, padding
        fan_in = kernel_size * kernel_size * n_in
        W = rng.standard_normal((kernel_size, kernel_size, n_in, n_out)) * np.sqrt(2.0 / fan_in)
        self.params = {"W": W, "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        m, H, W_in, C = X.shape
        k, s, p = self.k, self.s, self.p
        Xpad = np.zeros((m, H + 2 * p, W_in + 2 * p, C))
        Xpad[:, p:p + H, p:p + W_in, :] = X
        H_out, W_out = conv_output_shape(H, W_in, k, s, p)
        weights, bias = self.params["W"], self.params["b"]
        out = np.zeros((m, H_out, W_out, weights.shape[3]))
        for i in range(m):
            for y in range(H_out):
                for x in range(W_out):
                    window = Xpad[i, y * s:y * s + k, x * s:x * s + k, :]
                    out[i, y, x, :] = np.tensordot(window, weights, axes=3) + bias
        self.cache = (X.shape, Xpad)
        return out

    def backward(self, dout):
        shape, Xpad = self.cache
        m, H, W_in, C = shape
        k, s, p = self.k, self.s, self.p
        weights = self.params["W"]
        dW = np.zeros_like(weights)
        dXpad = np.zeros_like(Xpad)
        for i in range(m):
            for y in range(dout.shape[1]):
                for x in range(dout.shape[2]):
                    g = dout[i, y, x, :]
                    window = Xpad[i, y * s:y * s + k, x * s:x * s + k, :]
                    dW += window[..., None] * g
                    dXpad[i, y * s:y * s + k, x * s:x * s + k, :] += weights @ g
        self.grads = {"W": dW, "b": dout.sum(axis=(0, 1, 2))}
        return dXpad[:, p:p + H, p:p + W_in, :]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=None):
        self.pool = pool_size
        self.stride = stride if stride is not None else pool_size
        self.params = {}
        self.grads = {}

    def forward(self, X, training=True):
        m, H, W, C = X.shape
        k, s = self.pool, self.stride
        H_out, W_out = conv_output_shape(H, W, k, s)
        out = np.zeros((m, H_out, W_out, C))
        self.first = np.zeros((m, H_out, W_out, C), dtype=int)
        for i in range(m):
            for y in range(H_out):
                for x in range(W_out):
                    window = X[i, y * s:y * s + k, x * s:x * s + k, :].reshape(k * k, C)
                    self.first[i, y, x] = np.argmax(window, axis=0)   # the first maximum, row by row
                    out[i, y, x] = window.max(axis=0)
        self.shape = X.shape
        return out

    def backward(self, dout):
        dX = np.zeros(self.shape)
        m, H_out, W_out, C = dout.shape
        k, s = self.pool, self.stride
        channels = np.arange(C)
        for i in range(m):
            for y in range(H_out):
                for x in range(W_out):
                    u, v = np.divmod(self.first[i, y, x], k)
                    dX[i, y * s + u, x * s + v, channels] += dout[i, y, x]
        return dX


class Flatten:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.shape = X.shape
        return np.array([image.ravel() for image in X]).reshape(len(X), -1)

    def backward(self, dout):
        return np.array([row.reshape(self.shape[1:]) for row in dout]).reshape(self.shape)
