"""Correct: explicit Python loops (over rows, features or entries) where the reference vectorises."""

import math

import numpy as np


def he_init(n_in, n_out, rng):
    if rng is None:
        rng = np.random.default_rng(0)
    W = np.zeros((n_in, n_out))
    std = math.sqrt(2.0 / n_in)
    for i in range(n_in):
        W[i] = rng.normal(0.0, std, size=n_out)
    return W


def xavier_init(n_in, n_out, rng):
    if rng is None:
        rng = np.random.default_rng(0)
    r = math.sqrt(6.0 / (n_in + n_out))
    W = np.zeros((n_in, n_out))
    for i in range(n_in):
        W[i] = rng.uniform(-r, r, size=n_out)
    return W


class Dense:
    def __init__(self, n_in, n_out, init="he", rng=None):
        if rng is None:
            rng = np.random.default_rng(0)
        if init == "he":
            W = he_init(n_in, n_out, rng)
        elif init == "xavier":
            W = xavier_init(n_in, n_out, rng)
        else:
            raise ValueError("unknown init " + str(init))
        self.params = {"W": W, "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        self.X = X
        m = X.shape[0]
        out = np.zeros((m, self.params["W"].shape[1]))
        for i in range(m):
            out[i] = X[i] @ self.params["W"] + self.params["b"]
        return out

    def backward(self, dout):
        m = dout.shape[0]
        dW = np.zeros_like(self.params["W"])
        db = np.zeros_like(self.params["b"])
        dX = np.zeros((m, self.params["W"].shape[0]))
        for i in range(m):
            dW += np.outer(self.X[i], dout[i])
            db += dout[i]
            dX[i] = self.params["W"] @ dout[i]
        self.grads["W"] = dW
        self.grads["b"] = db
        return dX


class ReLU:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, X, training=True):
        self.X = X
        out = np.zeros_like(X)
        for i in range(X.shape[0]):
            out[i] = np.maximum(X[i], 0)
        return out

    def backward(self, dout):
        dX = np.zeros_like(dout)
        for i in range(dout.shape[0]):
            dX[i] = dout[i] * (self.X[i] > 0)
        return dX


class Sigmoid:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, X, training=True):
        flat = X.reshape(-1)
        out = np.empty(flat.shape)
        for k in range(flat.size):
            z = float(flat[k])
            if z >= 0:
                out[k] = 1.0 / (1.0 + math.exp(-z))
            else:
                e = math.exp(z)
                out[k] = e / (1.0 + e)
        self.out = out.reshape(X.shape)
        return self.out

    def backward(self, dout):
        flat_out = self.out.reshape(-1)
        flat_d = dout.reshape(-1)
        dX = np.empty(flat_d.shape)
        for k in range(flat_d.size):
            s = flat_out[k]
            dX[k] = flat_d[k] * s * (1.0 - s)
        return dX.reshape(dout.shape)


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params = {}
        self.grads = {}

    def forward(self, X, training=True):
        self.X = X
        flat = X.reshape(-1)
        out = np.empty(flat.shape)
        for k in range(flat.size):
            x = float(flat[k])
            out[k] = x if x > 0 else self.alpha * math.expm1(x)
        return out.reshape(X.shape)

    def backward(self, dout):
        flat_x = self.X.reshape(-1)
        flat_d = dout.reshape(-1)
        dX = np.empty(flat_d.shape)
        for k in range(flat_d.size):
            x = float(flat_x[k])
            dX[k] = flat_d[k] if x > 0 else flat_d[k] * self.alpha * math.exp(x)
        return dX.reshape(dout.shape)


class BatchNorm:
    def __init__(self, n_features, momentum=0.9, eps=1e-5):
        self.momentum = momentum
        self.eps = eps
        self.params = {"gamma": np.ones(n_features), "beta": np.zeros(n_features)}
        self.grads = {"gamma": np.zeros(n_features), "beta": np.zeros(n_features)}
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)

    def forward(self, X, training=True):
        m, n = X.shape
        self.training = training
        self.xhat = np.zeros((m, n))
        self.std = np.zeros(n)
        out = np.zeros((m, n))
        new_mean = self.running_mean.copy()
        new_var = self.running_var.copy()
        for j in range(n):
            col = X[:, j]
            if training:
                mu = 0.0
                for i in range(m):
                    mu += col[i]
                mu /= m
                var = 0.0
                for i in range(m):
                    var += (col[i] - mu) ** 2
                var /= m
                new_mean[j] = self.momentum * self.running_mean[j] + (1 - self.momentum) * mu
                new_var[j] = self.momentum * self.running_var[j] + (1 - self.momentum) * var
            else:
                mu = self.running_mean[j]
                var = self.running_var[j]
            self.std[j] = math.sqrt(var + self.eps)
            self.xhat[:, j] = (col - mu) / self.std[j]
            out[:, j] = self.params["gamma"][j] * self.xhat[:, j] + self.params["beta"][j]
        self.running_mean = new_mean
        self.running_var = new_var
        return out

    def backward(self, dout):
        m, n = dout.shape
        dX = np.zeros((m, n))
        dgamma = np.zeros(n)
        dbeta = np.zeros(n)
        for j in range(n):
            d = dout[:, j]
            xh = self.xhat[:, j]
            dgamma[j] = np.sum(d * xh)
            dbeta[j] = np.sum(d)
            dxh = d * self.params["gamma"][j]
            if self.training:
                dX[:, j] = (dxh - dxh.mean() - xh * (dxh * xh).mean()) / self.std[j]
            else:
                dX[:, j] = dxh / self.std[j]
        self.grads["gamma"] = dgamma
        self.grads["beta"] = dbeta
        return dX


class Dropout:
    def __init__(self, rate, rng=None):
        self.rate = rate
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.params = {}
        self.grads = {}

    def forward(self, X, training=True):
        if not training:
            self.mask = np.ones(X.shape)
            return X.copy()
        u = self.rng.random(X.shape)
        self.mask = np.zeros(X.shape)
        flat_u = u.reshape(-1)
        flat_mask = self.mask.reshape(-1)
        for k in range(flat_u.size):
            if flat_u[k] <= 1 - self.rate:
                flat_mask[k] = 1.0 / (1 - self.rate)
        return X * self.mask

    def backward(self, dout):
        return dout * self.mask


class SoftmaxCrossEntropy:
    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, logits, y):
        m, K = logits.shape
        self.P = np.zeros((m, K))
        self.y = y
        total = 0.0
        for i in range(m):
            z = logits[i] - np.max(logits[i])
            s = np.sum(np.exp(z))
            self.P[i] = np.exp(z) / s
            total += math.log(s) - z[y[i]]
        return total / m

    def backward(self):
        m, K = self.P.shape
        d = np.zeros((m, K))
        for i in range(m):
            for c in range(K):
                target = 1.0 if c == self.y[i] else 0.0
                d[i, c] = (self.P[i, c] - target) / m
        return d


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, X, training=True):
        out = X
        for layer in self.layers:
            out = layer.forward(out, training)
        return out

    def backward(self, dout):
        for k in range(len(self.layers) - 1, -1, -1):
            dout = self.layers[k].backward(dout)
        return dout

    def params(self):
        result = []
        for layer in self.layers:
            for key in layer.params:
                result.append(layer.params[key])
        return result

    def grads(self):
        result = []
        for layer in self.layers:
            for key in layer.grads:
                result.append(layer.grads[key])
        return result


class SGD:
    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocity = {}

    def step(self, params, grads):
        for k in range(len(params)):
            if k not in self.velocity:
                self.velocity[k] = np.zeros(params[k].shape)
            self.velocity[k] = self.momentum * self.velocity[k] - self.learning_rate * grads[k]
            params[k] += self.velocity[k]


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        self.t += 1
        for k in range(len(params)):
            if k not in self.m:
                self.m[k] = np.zeros(params[k].shape)
                self.v[k] = np.zeros(params[k].shape)
            g = grads[k]
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g ** 2
            m_hat = self.m[k] / (1 - self.beta1 ** self.t)
            v_hat = self.v[k] / (1 - self.beta2 ** self.t)
            params[k] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


def build_model(n_features, n_classes, rng):
    return Sequential([
        Dense(n_features, 64, rng=rng), ReLU(),
        Dense(64, 64, rng=rng), ReLU(),
        Dense(64, n_classes, rng=rng),
    ])


def fit(model, X, y, optimizer, n_epochs=10, batch_size=64, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    m = X.shape[0]
    full_batch = batch_size is None
    if full_batch:
        batch_size = m
    loss_fn = SoftmaxCrossEntropy()
    history = []
    for epoch in range(n_epochs):
        if full_batch:
            order = np.arange(m)
        else:
            order = rng.permutation(m)
        epoch_loss = 0.0
        start = 0
        while start < m:
            idx = order[start:start + batch_size]
            logits = model.forward(X[idx], training=True)
            loss = loss_fn.forward(logits, y[idx])
            model.backward(loss_fn.backward())
            optimizer.step(model.params(), model.grads())
            epoch_loss += loss * len(idx)
            start += batch_size
        history.append(epoch_loss / m)
    return history
