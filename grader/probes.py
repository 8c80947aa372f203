"""Grader functions that run inside the child, next to the submission.

Only modules under ``grader.probes`` and ``assignments.`` may be called this way
(see ``grader.child``); they receive the student's module first.
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
    from grader.gradcheck import central_difference

    function = getattr(module, name)
    args = list(args)

    def at(point):
        return function(*args[:wrt], point, *args[wrt + 1:])

    return central_difference(at, args[wrt], eps)
