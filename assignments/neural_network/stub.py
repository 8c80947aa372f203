"""Assignment 04 - neural_network: build your own network.

Write, with NumPy only, the pieces of a small deep-learning library: two weight
initialisers, the layers Dense, ReLU, Sigmoid, ELU, BatchNorm and Dropout, the
softmax cross-entropy loss, a Sequential container, the optimisers SGD (with
momentum) and Adam, and a training loop. Then pick a network of your own in
`build_model`; the grader trains it on a non-linear two-dimensional data set.

Every body that raises NotImplementedError is yours to write. Keep the names,
the signatures and what each function returns; you may add helpers of your own.
Check your work with `grade check neural_network.py`.

Conventions the checks rely on
- Arrays are NumPy float64 (a float32 implementation is accepted within
  float32 tolerance). Your results are compared with the instructor's
  reference at a relative tolerance of about 1e-6 in float64.
- Never modify an input array in place (X, dout, y, ...): compute new arrays.
  Optimisers are the exception: they update the parameter arrays in place.
- `rng` arguments are numpy.random.Generator objects; None means
  numpy.random.default_rng(0).
- A layer has two dicts, `params` and `grads`, from a name to an array: the
  same keys in the same order, and each gradient has its parameter's shape.
  Dense: {"W", "b"}; BatchNorm: {"gamma", "beta"}; every other layer: {}.
- `forward(X, training=True)` returns the layer's output and caches what
  backward needs. `backward(dout)` follows the *last* forward call: `dout` is
  dLoss/d(output) with the output's shape; it returns dLoss/dX (X's shape) and
  stores dLoss/d(param) in `grads` for each parameter.
- X has shape (m, n): one row per sample. Losses are means over the m samples.
"""

import numpy as np


# ---------------------------------------------------------------- initialisers

def he_init(n_in, n_out, rng):
    """He initialisation for layers followed by ReLU.

    Returns W of shape (n_in, n_out), entries drawn independently from a normal
    distribution with mean 0 and standard deviation sqrt(2 / n_in).
    """
    raise NotImplementedError("he_init is not implemented yet")


def xavier_init(n_in, n_out, rng):
    """Xavier (Glorot) uniform initialisation.

    Returns W of shape (n_in, n_out), entries drawn independently from the
    uniform distribution on [-r, r] with r = sqrt(6 / (n_in + n_out)).
    """
    raise NotImplementedError("xavier_init is not implemented yet")


# ---------------------------------------------------------------------- layers

class Dense:
    """Fully connected layer: out = X W + b.

    W starts from he_init (init="he") or xavier_init (init="xavier") with the
    given rng; b starts at zero.
    params = {"W": (n_in, n_out), "b": (n_out,)}.
    """

    def __init__(self, n_in, n_out, init="he", rng=None):
        rng = np.random.default_rng(0) if rng is None else rng
        inits = {"he": he_init, "xavier": xavier_init}
        if init not in inits:
            raise ValueError(f"init must be 'he' or 'xavier', not {init!r}")
        self.params = {"W": inits[init](n_in, n_out, rng), "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, X, training=True):
        """X: (m, n_in). Returns out = X W + b, shape (m, n_out)."""
        raise NotImplementedError("Dense.forward is not implemented yet")

    def backward(self, dout):
        """dout: (m, n_out). Returns dX = dout W^T, shape (m, n_in).

        Fills grads["W"] = X^T dout (n_in, n_out) and grads["b"] = the sum of
        dout over the m rows (n_out,). No division by m here: the loss's
        gradient already carries the 1/m.
        """
        raise NotImplementedError("Dense.backward is not implemented yet")


class ReLU:
    """out = max(0, x), elementwise. No params."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        """X: any shape. Returns max(0, X), same shape."""
        raise NotImplementedError("ReLU.forward is not implemented yet")

    def backward(self, dout):
        """Returns dX = dout where x > 0 and 0 elsewhere (the derivative at x = 0 is taken as 0)."""
        raise NotImplementedError("ReLU.backward is not implemented yet")


class Sigmoid:
    """out = 1 / (1 + exp(-x)), elementwise. No params."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        """X: any shape. Returns sigma(X), same shape, finite for |x| up to 1e4."""
        raise NotImplementedError("Sigmoid.forward is not implemented yet")

    def backward(self, dout):
        """Returns dX = dout * s * (1 - s), where s is the forward's output."""
        raise NotImplementedError("Sigmoid.backward is not implemented yet")


class ELU:
    """out = x for x > 0, alpha (exp(x) - 1) for x <= 0. No params."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        """X: any shape. Returns ELU(X), same shape, finite for |x| up to 1e4."""
        raise NotImplementedError("ELU.forward is not implemented yet")

    def backward(self, dout):
        """Returns dX = dout * 1 for x > 0 and dout * alpha exp(x) for x <= 0."""
        raise NotImplementedError("ELU.backward is not implemented yet")


class BatchNorm:
    """Batch normalisation of each of the n_features columns.

    Training (training=True), with the batch mean and *biased* variance
    (divide by m, as np.var does by default):
        mu = mean(X, axis=0), var = mean((X - mu)^2, axis=0)
        x_hat = (X - mu) / sqrt(var + eps)
        out = gamma * x_hat + beta
    and the running statistics are updated after each training forward:
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var
    Inference (training=False): the same formula with running_mean and
    running_var in place of mu and var; the running statistics do not change.

    params = {"gamma": ones (n_features,), "beta": zeros (n_features,)};
    running_mean starts at zeros, running_var at ones.
    """

    def __init__(self, n_features, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(n_features), "beta": np.zeros(n_features)}
        self.grads = {"gamma": np.zeros(n_features), "beta": np.zeros(n_features)}
        self.running_mean = np.zeros(n_features)
        self.running_var = np.ones(n_features)

    def forward(self, X, training=True):
        """X: (m, n_features). Returns out, shape (m, n_features)."""
        raise NotImplementedError("BatchNorm.forward is not implemented yet")

    def backward(self, dout):
        """dout: (m, n_features). Returns dX, shape (m, n_features).

        Fills grads["gamma"] = sum over rows of dout * x_hat and
        grads["beta"] = sum over rows of dout, both (n_features,).
        After a training forward, mu and var are functions of X: dX must
        include their paths (the full batch-norm backward). After an inference
        forward they are constants: dX = dout * gamma / sqrt(running_var + eps).
        """
        raise NotImplementedError("BatchNorm.backward is not implemented yet")


class Dropout:
    """Inverted dropout with its own random generator. No params.

    0 <= rate < 1 is the probability of dropping a unit.
    """

    def __init__(self, rate, rng=None):
        self.rate = rate
        self.rng = np.random.default_rng(0) if rng is None else rng
        self.params, self.grads = {}, {}

    def forward(self, X, training=True):
        """X: any shape. Returns an array of the same shape.

        Training: draw a new mask at every call with self.rng; each entry is
        kept with probability 1 - rate and dropped (set to 0) otherwise; kept
        entries are scaled by 1 / (1 - rate), so the expected output is X.
        Inference (training=False): returns X unchanged.
        """
        raise NotImplementedError("Dropout.forward is not implemented yet")

    def backward(self, dout):
        """Returns dX = dout times the same mask and scale as the last forward
        (dout itself after an inference forward)."""
        raise NotImplementedError("Dropout.backward is not implemented yet")


class SoftmaxCrossEntropy:
    """Softmax followed by the mean cross-entropy loss. No params."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, logits, y):
        """logits: (m, K) floats; y: (m,) integer labels in 0..K-1.

        P = softmax(logits) row by row; returns the float
            loss = -1/m * sum_i log P[i, y_i].
        Must stay finite for logits up to 1e4 in size: subtract each row's
        maximum first (log-sum-exp).
        """
        raise NotImplementedError("SoftmaxCrossEntropy.forward is not implemented yet")

    def backward(self):
        """Returns dLoss/dlogits = (P - Y) / m, shape (m, K), where Y is the
        one-hot encoding of y from the last forward."""
        raise NotImplementedError("SoftmaxCrossEntropy.backward is not implemented yet")


class Sequential:
    """A stack of layers applied in order."""

    def __init__(self, layers):
        self.layers = list(layers)

    def forward(self, X, training=True):
        """Passes X through every layer in order, with the same `training` flag."""
        raise NotImplementedError("Sequential.forward is not implemented yet")

    def backward(self, dout):
        """Passes dout through every layer's backward in reverse order; returns
        the gradient with respect to the network's input."""
        raise NotImplementedError("Sequential.backward is not implemented yet")

    def params(self):
        """A flat list of the parameter arrays themselves (not copies), layer by
        layer, within a layer in its params key order."""
        raise NotImplementedError("Sequential.params is not implemented yet")

    def grads(self):
        """A flat list of the gradient arrays in the same order as params();
        call it after backward."""
        raise NotImplementedError("Sequential.grads is not implemented yet")


# ------------------------------------------------------------------ optimisers

class SGD:
    """Gradient descent with momentum.

    For each parameter p with gradient g, keeping one velocity v per position
    in the list (v starts at zero):
        v = momentum * v - learning_rate * g
        p = p + v            (in place)
    With momentum = 0 this is plain gradient descent.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate, self.momentum = learning_rate, momentum

    def step(self, params, grads):
        """params, grads: lists of arrays of matching shapes (as Sequential
        returns them). Updates every array of params in place; returns None."""
        raise NotImplementedError("SGD.step is not implemented yet")


class Adam:
    """Adam with bias correction.

    With the step counter t = 1 at the first call, and for each parameter p
    with gradient g (m and v start at zero, one pair per position in the list):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
        p = p - learning_rate * m_hat / (sqrt(v_hat) + eps)     (in place)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps

    def step(self, params, grads):
        """Like SGD.step: updates every array of params in place; returns None."""
        raise NotImplementedError("Adam.step is not implemented yet")


# -------------------------------------------------------------------- training

def build_model(n_features, n_classes, rng):
    """Your network for the training run: a Sequential from n_features inputs
    to n_classes logits (no softmax at the end: the loss applies it), whose
    Dense layers draw their weights from rng.

    The grader trains it with your fit and Adam on a two-dimensional data set
    whose classes no straight line separates, and scores its accuracy on
    held-out points. Two or three hidden layers of a few dozen units with
    ReLU (and BatchNorm, if you like) are plenty; training must take seconds.

    The run: 600 training points (3 classes), fit(model, X, y, Adam(0.01),
    n_epochs, batch_size=32) called to reach epochs 40, 45 and 50 in turn, the
    best test accuracy of the three models on 1500 held-out points: full points
    from 93%, half from 80%, all within 60 s. A network the grader builds from
    your layers and trains with its own loop is scored the same way.

    Build it from this file's layers, given as a list to Sequential: after
    training, the grader reads each layer's params (and BatchNorm's running
    statistics) and computes the test accuracy itself, with the contract's
    forward pass at inference, so each layer must compute just that.
    """
    raise NotImplementedError("build_model is not implemented yet")


def fit(model, X, y, optimizer, n_epochs=10, batch_size=64, rng=None):
    """Trains model on X (m, n) and integer labels y (m,) with
    SoftmaxCrossEntropy and optimizer (an SGD or an Adam).

    Each epoch draws one permutation of the rows, order = rng.permutation(m),
    and takes one step per consecutive slice of batch_size rows of it (the last
    slice may be smaller): forward with training=True, loss, backward, then
    optimizer.step(model.params(), model.grads()). batch_size=None means the
    whole set as one batch, one step per epoch.

    Returns a list of n_epochs floats: each epoch's mean training loss, the
    batch losses weighted by their batch sizes (sum of loss * batch rows / m).
    """
    raise NotImplementedError("fit is not implemented yet")
