"""Grader functions that run inside the child, next to the submission.

Only modules under ``grader.checking.probes`` and ``assignments.`` may be called this way
(see ``grader.sandbox.child``); they receive the student's module first.
"""


def call_keeping_inputs(module, name, *args, emit=None, **kwargs):
    """Call ``module.name(*args, **kwargs)``; return the result and the arguments afterwards.

    The parent compares the arguments with what it sent, to catch in-place changes.
    """
    function = getattr(module, name)
    result = function(*args, **kwargs)
    return {"result": result, "args": list(args), "kwargs": kwargs}


def loss_central_difference(module, name, args, wrt, eps, emit=None):
    """Central differences of the scalar ``module.name(*args)`` with respect to ``args[wrt]``.

    Runs next to the submission, so that the 2P evaluations of its loss cost one
    round trip; the parent compares the result with the submission's gradient.
    """
    from grader.checking.gradcheck import central_difference

    function = getattr(module, name)
    args = list(args)

    def at(point):
        return function(*args[:wrt], point, *args[wrt + 1:])

    return central_difference(at, args[wrt], eps)


def defaults(module, name, emit=None):
    """``{parameter: default}`` of ``module.name`` (a class: its constructor; ``Dense.forward``: a
    method), for the parameters that have one; None where the module has no such name. Defaults
    that are not plain numbers, strings or None come back as their repr."""
    import inspect

    import numpy as np

    target = module
    for part in name.split("."):
        if not hasattr(target, part):
            return None
        target = getattr(target, part)
    found = {}
    for parameter in inspect.signature(target).parameters.values():
        value = parameter.default
        if value is parameter.empty:
            continue
        if isinstance(value, np.generic):
            value = value.item()
        found[parameter.name] = value if value is None or isinstance(value, (bool, int, float, str)) else repr(value)
    return found


def call_warnings(module, name, *args, emit=None):
    """The warnings that ``module.name(*args)`` raises, as ``"Category: message"`` strings."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(module, name)(*args)
    return [f"{w.category.__name__}: {w.message}" for w in caught]
