"""Grader functions that run inside the child, next to the submission.

Only modules under ``grader.checking.probes`` and ``assignments.`` may be called this way
(see ``grader.sandbox.child``); they receive the student's module first. The submission can
replace any of them (they are looked up at each call), so what they return is evidence only
of what the child alone can see, and no check earns a point on it without values that the
parent judges: a result kept with its inputs (``compare.compare_keeping_inputs``), a result
beside its warnings, defaults seen working in results (``compare.compare_default_call``).
"""


def call_keeping_inputs(module, name, *args, emit=None, **kwargs):
    """Call ``module.name(*args, **kwargs)``; return the result and the arguments afterwards.

    The parent compares the arguments with what it sent, to catch in-place changes.
    """
    function = getattr(module, name)
    result = function(*args, **kwargs)
    return {"result": result, "args": list(args), "kwargs": kwargs}


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
    """``module.name(*args)``'s result and the warnings it raises, as ``"Category: message"`` strings."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = getattr(module, name)(*args)
    return {"result": result, "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}
