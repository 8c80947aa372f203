"""Correct, another student's way: the stub's constructors kept, a cache dict per layer,
module-level helpers for the activations, Adam's step size folded with both corrections,
and training batches from np.array_split."""

import numpy as np


def _generator(rng):
    return np.random.default_rng(0) if rng is None else rng


def _stable_sigmoid(z):
    out = np.empty_like(z, dtype=float)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out


def _log_softmax(logits):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def he_init(n_in, n_out, rng):
    return np.sqrt(2.0 / n_in) * _generator(rng).standard_normal((n_in, n_out))


def xavier_init(n_in, n_out, rng):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return _generator(rng).uniform(low=-limit, high=limit, size=(n_in, n_out))


class Dense:
    def __init__(self, n_in, n_out, init="he", rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        inits = {"he": he_init, "xavier": xavier_init}
        if init not in inits:
            raise ValueError(f"init must be 'he' or 'xavier', not {init!r}")
        self.params = {"W": inits[init](n_in, n_out, rng), "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        self.cache = {"input": np.array(X, copy=True)}
        return np.dot(X, self.params["W"]) + self.params["b"]

    def backward(self, dout):
        inputs = self.cache["input"]
        self.grads["W"] = np.dot(inputs.T, dout)
        self.grads["b"] = np.sum(dout, axis=0)
        return np.dot(dout, self.params["W"].T)


class ReLU:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.cache = {"active": (X > 0).astype(float)}
        return np.maximum(X, 0.0)

    def backward(self, dout):
        return self.cache["active"] * dout


class Sigmoid:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        self.cache = {"s": _stable_sigmoid(np.asarray(X, dtype=float))}
        return self.cache["s"].copy()

    def backward(self, dout):
        s = self.cache["s"]
        return dout * (s - s ** 2)


class ELU:
    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        negative_part = self.alpha * np.expm1(np.clip(X, None, 0.0))
        self.cache = {"x": np.array(X, copy=True), "neg": negative_part}
        return np.where(X > 0, X, negative_part)

    def backward(self, dout):
        x, negative_part = self.cache["x"], self.cache["neg"]
        slope = np.ones_like(x, dtype=float)
        below = x <= 0
        slope[below] = negative_part[below] + self.alpha
        return dout * slope


class BatchNorm:
    def __init__(self, n_features, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(n_features), "beta": np.zeros(n_features)}
        self.grads = {"gamma": np.zeros(n_features), "beta": np.zeros(n_features)}
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)

    def forward(self, X, training=True):
        if not training:
            centred = X - self.running_mean
            std = np.sqrt(self.running_var + self.eps)
            self.cache = {"train": False, "std": std, "norm": centred / std}
        else:
            batch_mean = np.mean(X, axis=0)
            centred = X - batch_mean
            batch_var = np.mean(centred * centred, axis=0)
            std = np.sqrt(batch_var + self.eps)
            self.cache = {"train": True, "std": std, "norm": centred / std}
            keep = self.momentum
            self.running_mean = keep * self.running_mean + (1.0 - keep) * batch_mean
            self.running_var = keep * self.running_var + (1.0 - keep) * batch_var
        return self.cache["norm"] * self.params["gamma"] + self.params["beta"]

    def backward(self, dout):
        norm, std = self.cache["norm"], self.cache["std"]
        self.grads["gamma"] = np.sum(dout * norm, axis=0)
        self.grads["beta"] = np.sum(dout, axis=0)
        dnorm = dout * self.params["gamma"]
        if not self.cache["train"]:
            return dnorm / std
        mean_dnorm = np.mean(dnorm, axis=0)
        mean_dnorm_norm = np.mean(dnorm * norm, axis=0)
        return (dnorm - mean_dnorm - norm * mean_dnorm_norm) / std


class Dropout:
    def __init__(self, rate, rng=None):
        self.rate = rate
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        if training and self.rate > 0:
            kept = self.rng.random(X.shape) < (1.0 - self.rate)
            self.cache = {"scale": np.where(kept, 1.0 / (1.0 - self.rate), 0.0)}
        else:
            self.cache = {"scale": None}
        scale = self.cache["scale"]
        return X.copy() if scale is None else X * scale

    def backward(self, dout):
        scale = self.cache["scale"]
        return dout.copy() if scale is None else dout * scale


class SoftmaxCrossEntropy:
    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, logits, y):
        labels = np.asarray(y).astype(int)
        log_probs = _log_softmax(logits)
        self.cache = {"probs": np.exp(log_probs), "labels": labels}
        picked = np.take_along_axis(log_probs, labels[:, None], axis=1)
        return float(-np.mean(picked))

    def backward(self):
        probs, labels = self.cache["probs"], self.cache["labels"]
        target = np.zeros_like(probs)
        target[np.arange(len(labels)), labels] = 1.0
        return (probs - target) / len(labels)


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X, training=True):
        out = X
        for layer in self.layers:
            out = layer.forward(out, training)
        return out

    def backward(self, dout):
        grad = dout
        for index in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[index].backward(grad)
        return grad

    def params(self):
        collected = []
        for layer in self.layers:
            collected.extend(layer.params[name] for name in layer.params)
        return collected

    def grads(self):
        collected = []
        for layer in self.layers:
            collected.extend(layer.grads[name] for name in layer.grads)
        return collected


class SGD:
    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.velocity = {}

    def step(self, params, grads):
        for i, (param, grad) in enumerate(zip(params, grads)):
            velocity = self.velocity.get(i, np.zeros_like(param))
            velocity = self.momentum * velocity - self.learning_rate * grad
            self.velocity[i] = velocity
            param += velocity


class Adam:
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.moments = None
        self.steps = 0

    def step(self, params, grads):
        if self.moments is None:
            self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.steps += 1
        first_fix = 1.0 - self.beta1 ** self.steps
        second_fix = 1.0 - self.beta2 ** self.steps
        for k, (param, grad) in enumerate(zip(params, grads)):
            mean, square = self.moments[k]
            mean = self.beta1 * mean + (1.0 - self.beta1) * grad
            square = self.beta2 * square + (1.0 - self.beta2) * np.square(grad)
            self.moments[k] = (mean, square)
            param -= self.learning_rate * (mean / first_fix) / (np.sqrt(square / second_fix) + self.eps)


def build_model(n_features, n_classes, rng):
    rng = _generator(rng)
    width = 48
    layers = []
    size = n_features
    for _ in range(2):
        layers += [Dense(size, width, rng=rng), ReLU()]
        size = width
    layers.append(Dense(size, n_classes, init="xavier", rng=rng))
    return Sequential(layers)


def fit(model, X, y, optimizer, n_epochs=10, batch_size=64, rng=None):
    rng = _generator(rng)
    criterion = SoftmaxCrossEntropy()
    n = len(X)
    epoch_losses = []
    for _ in range(n_epochs):
        if batch_size is None:
            parts = [np.arange(n)]
        else:
            parts = np.array_split(rng.permutation(n), np.arange(batch_size, n, batch_size))
        weighted = 0.0
        for part in parts:
            logits = model.forward(X[part], training=True)
            weighted += criterion.forward(logits, y[part]) * part.size
            model.backward(criterion.backward())
            optimizer.step(model.params(), model.grads())
        epoch_losses.append(weighted / n)
    return epoch_losses
