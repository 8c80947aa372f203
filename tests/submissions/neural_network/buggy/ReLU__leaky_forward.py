"""ReLU.forward leaks 0.01 x for negative x, which the contract's ReLU does not."""

import numpy as np


def _rng(rng):
    return np.random.default_rng(0) if rng is None else rng


# ---------------------------------------------------------------- initialisers

def he_init(n_in, n_out, rng):
    """Normal weights with std sqrt(2 / n_in), shape (n_in, n_out)."""
    return _rng(rng).normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def xavier_init(n_in, n_out, rng):
    """Uniform weights on [-r, r], r = sqrt(6 / (n_in + n_out))."""
    r = np.sqrt(6.0 / (n_in + n_out))
    return _rng(rng).uniform(-r, r, size=(n_in, n_out))


# ---------------------------------------------------------------------- layers

class Dense:
    """out = X W + b."""

    def __init__(self, n_in, n_out, init="he", rng=None):
        inits = {"he": he_init, "xavier": xavier_init}
        if init not in inits:
            raise ValueError(f"init must be 'he' or 'xavier', not {init!r}")
        self.params = {"W": inits[init](n_in, n_out, _rng(rng)),
                       "b": np.zeros(n_out)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, X, training=True):
        self.X = X
        return X @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = self.X.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T


class ReLU:
    """out = max(0, x)."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.mask = X > 0
        return np.where(self.mask, X, 0.01 * X)

    def backward(self, dout):
        return dout * self.mask


class Sigmoid:
    """out = 1 / (1 + exp(-x)), computed without overflow."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        e = np.exp(-np.abs(X))                    # never overflows
        self.out = np.where(X >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class ELU:
    """out = x for x > 0, alpha (exp(x) - 1) otherwise."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.X = X
        return np.where(X > 0, X, self.alpha * np.expm1(np.minimum(X, 0.0)))

    def backward(self, dout):
        X = self.X
        return dout * np.where(X > 0, 1.0, self.alpha * np.exp(np.minimum(X, 0.0)))


class BatchNorm:
    """out = gamma * (x - mean) / sqrt(var + eps) + beta, per feature.

    Training uses the batch mean and biased variance and updates
    running = momentum * running + (1 - momentum) * batch;
    inference uses running_mean and running_var.
    """

    def __init__(self, n_features, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(n_features), "beta": np.zeros(n_features)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)

    def forward(self, X, training=True):
        if training:
            mean, var = X.mean(axis=0), X.var(axis=0)
            mo = self.momentum
            self.running_mean = mo * self.running_mean + (1 - mo) * mean
            self.running_var = mo * self.running_var + (1 - mo) * var
        else:
            mean, var = self.running_mean, self.running_var
        self.training = training
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xhat = (X - mean) * self.inv_std
        return self.params["gamma"] * self.xhat + self.params["beta"]

    def backward(self, dout):
        xhat, inv_std = self.xhat, self.inv_std
        self.grads["gamma"] = (dout * xhat).sum(axis=0)
        self.grads["beta"] = dout.sum(axis=0)
        dxhat = dout * self.params["gamma"]
        if not self.training:                     # running stats are constants
            return dxhat * inv_std
        # the batch mean and variance depend on every row of X
        m = dout.shape[0]
        return inv_std / m * (m * dxhat - dxhat.sum(axis=0)
                              - xhat * (dxhat * xhat).sum(axis=0))


class Dropout:
    """Inverted dropout: keep with probability 1 - rate, scale kept by 1/(1 - rate)."""

    def __init__(self, rate, rng=None):
        self.rate = rate
        self.rng = _rng(rng)
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        if not training or self.rate == 0:
            self.mask = None
            return X
        keep = self.rng.random(X.shape) < 1.0 - self.rate
        self.mask = keep / (1.0 - self.rate)
        return X * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels y."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, logits, y):
        Z = logits - logits.max(axis=1, keepdims=True)
        logP = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        self.P, self.y = np.exp(logP), np.asarray(y)
        m = logits.shape[0]
        return float(-logP[np.arange(m), self.y].mean())

    def backward(self):
        m = self.P.shape[0]
        dZ = self.P.copy()
        dZ[np.arange(m), self.y] -= 1.0
        return dZ / m


class Sequential:
    """Layers applied in order; backward in reverse order."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X, training=True):
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def params(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def grads(self):
        return [g for layer in self.layers for g in layer.grads.values()]


# ------------------------------------------------------------------ optimisers

class SGD:
    """v = momentum v - lr g; p += v (in place)."""

    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.v = None

    def step(self, params, grads):
        if self.v is None:
            self.v = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.v):
            v *= self.momentum
            v -= self.learning_rate * g
            p += v


class Adam:
    """Adam with bias-corrected moments, t counted from 1 (in place)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.t, self.m, self.v = 0, None, None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat = m / (1 - b1 ** t)
            v_hat = v / (1 - b2 ** t)
            p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


# -------------------------------------------------------------------- training

def build_model(n_features, n_classes, rng):
    """Dense-BatchNorm-ReLU twice, then a Dense to the logits (He init)."""
    rng = _rng(rng)
    h = 64
    return Sequential([
        Dense(n_features, h, rng=rng), BatchNorm(h), ReLU(),
        Dense(h, h, rng=rng), BatchNorm(h), ReLU(),
        Dense(h, n_classes, rng=rng),
    ])


def fit(model, X, y, optimizer, n_epochs=10, batch_size=64, rng=None):
    """Mini-batch training with SoftmaxCrossEntropy.

    Returns each epoch's mean training loss, batch losses weighted by batch size.
    """
    rng = _rng(rng)
    loss_fn = SoftmaxCrossEntropy()
    m = X.shape[0]
    history = []
    for _ in range(n_epochs):
        if batch_size is None:
            batches = [np.arange(m)]
        else:
            order = rng.permutation(m)
            batches = [order[i:i + batch_size] for i in range(0, m, batch_size)]
        total = 0.0
        for idx in batches:
            loss = loss_fn.forward(model.forward(X[idx], training=True), y[idx])
            model.backward(loss_fn.backward())
            optimizer.step(model.params(), model.grads())
            total += loss * len(idx)
        history.append(total / m)
    return history
