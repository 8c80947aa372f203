"""Correct: works in float32 throughout (parameters, activations, gradients, optimiser state)."""

import numpy as np

F = np.float32


def _f32(a):
    return np.asarray(a, dtype=F)


def he_init(n_in, n_out, rng):
    rng = np.random.default_rng(0) if rng is None else rng
    return rng.standard_normal((n_in, n_out), dtype=F) * F(np.sqrt(2.0 / n_in))


def xavier_init(n_in, n_out, rng):
    rng = np.random.default_rng(0) if rng is None else rng
    r = np.sqrt(6.0 / (n_in + n_out))
    return _f32(rng.uniform(-r, r, size=(n_in, n_out)))


class Dense:
    def __init__(self, n_in, n_out, init="he", rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        W = {"he": he_init, "xavier": xavier_init}[init](n_in, n_out, rng)
        self.params = {"W": W, "b": np.zeros(n_out, dtype=F)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(n_out, dtype=F)}

    def forward(self, X, training=True):
        self.X = _f32(X)
        return self.X @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        dout = _f32(dout)
        self.grads["W"] = self.X.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


class ReLU:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        X = _f32(X)
        self.mask = (X > 0).astype(F)
        return X * self.mask

    def backward(self, dout):
        return _f32(dout) * self.mask


class Sigmoid:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        X = _f32(X)
        e = np.exp(-np.abs(X))
        self.out = np.where(X >= 0, F(1) / (F(1) + e), e / (F(1) + e)).astype(F)
        return self.out

    def backward(self, dout):
        return _f32(dout) * self.out * (F(1) - self.out)


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = F(alpha)
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.X = _f32(X)
        neg = np.minimum(self.X, F(0))
        return np.where(self.X > 0, self.X, self.alpha * np.expm1(neg)).astype(F)

    def backward(self, dout):
        neg = np.minimum(self.X, F(0))
        return (_f32(dout) * np.where(self.X > 0, F(1), self.alpha * np.exp(neg))).astype(F)


class BatchNorm:
    def __init__(self, n_features, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = F(momentum), F(eps)
        self.params = {"gamma": np.ones(n_features, dtype=F), "beta": np.zeros(n_features, dtype=F)}
        self.grads = {"gamma": np.zeros(n_features, dtype=F), "beta": np.zeros(n_features, dtype=F)}
        self.running_mean = np.zeros(n_features, dtype=F)
        self.running_var = np.ones(n_features, dtype=F)

    def forward(self, X, training=True):
        X = _f32(X)
        if training:
            mu = X.mean(axis=0)
            var = ((X - mu) ** 2).mean(axis=0)
            self.running_mean = self.momentum * self.running_mean + (F(1) - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (F(1) - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        self.training = training
        self.inv_std = F(1) / np.sqrt(var + self.eps)
        self.xhat = (X - mu) * self.inv_std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        dout = _f32(dout)
        self.grads["gamma"] = (dout * self.xhat).sum(axis=0)
        self.grads["beta"] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        if not self.training:
            return dxhat * self.inv_std
        return self.inv_std * (dxhat - dxhat.mean(axis=0)
                               - self.xhat * (dxhat * self.xhat).mean(axis=0))


class Dropout:
    def __init__(self, rate, rng=None):
        self.rate = rate
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        X = _f32(X)
        if not training:
            self.mask = np.ones(X.shape, dtype=F)
            return X
        keep = self.rng.random(X.shape, dtype=F) >= F(self.rate)
        self.mask = keep.astype(F) / F(1 - self.rate)
        return X * self.mask

    def backward(self, dout):
        return _f32(dout) * self.mask


class SoftmaxCrossEntropy:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, logits, y):
        Z = _f32(logits)
        Z = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        S = E.sum(axis=1, keepdims=True)
        self.P = E / S
        self.y = np.asarray(y)
        m = Z.shape[0]
        return float(np.mean(np.log(S[:, 0]) - Z[np.arange(m), self.y]))

    def backward(self):
        m, K = self.P.shape
        Y = np.zeros((m, K), dtype=F)
        Y[np.arange(m), self.y] = 1
        return (self.P - Y) / F(m)


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X, training=True):
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dout):
        for layer in self.layers[::-1]:
            dout = layer.backward(dout)
        return dout

    def params(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def grads(self):
        return [g for layer in self.layers for g in layer.grads.values()]


class SGD:
    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.lr, self.mu = F(learning_rate), F(momentum)
        self.v = None

    def step(self, params, grads):
        if self.v is None:
            self.v = [np.zeros(p.shape, dtype=F) for p in params]
        for i, (p, g) in enumerate(zip(params, grads)):
            self.v[i] = self.mu * self.v[i] - self.lr * _f32(g)
            p += self.v[i].astype(p.dtype)


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = F(learning_rate), F(beta1), F(beta2), F(eps)
        self.t = 0
        self.m = self.v = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros(p.shape, dtype=F) for p in params]
            self.v = [np.zeros(p.shape, dtype=F) for p in params]
        self.t += 1
        c1 = F(1) - self.b1 ** self.t
        c2 = F(1) - self.b2 ** self.t
        for i, (p, g) in enumerate(zip(params, grads)):
            g = _f32(g)
            self.m[i] = self.b1 * self.m[i] + (F(1) - self.b1) * g
            self.v[i] = self.b2 * self.v[i] + (F(1) - self.b2) * g * g
            step = self.lr * (self.m[i] / c1) / (np.sqrt(self.v[i] / c2) + self.eps)
            p -= step.astype(p.dtype)


def build_model(n_features, n_classes, rng):
    return Sequential([
        Dense(n_features, 64, rng=rng), BatchNorm(64), ReLU(),
        Dense(64, 64, rng=rng), BatchNorm(64), ReLU(),
        Dense(64, n_classes, rng=rng),
    ])


def fit(model, X, y, optimizer, n_epochs=10, batch_size=64, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    X = _f32(X)
    m = X.shape[0]
    loss_fn = SoftmaxCrossEntropy()
    history = []
    for _ in range(n_epochs):
        order = np.arange(m) if batch_size is None else rng.permutation(m)
        step = m if batch_size is None else batch_size
        total = 0.0
        for start in range(0, m, step):
            idx = order[start:start + step]
            loss = loss_fn.forward(model.forward(X[idx]), y[idx])
            model.backward(loss_fn.backward())
            optimizer.step(model.params(), model.grads())
            total += loss * len(idx)
        history.append(total / m)
    return history
