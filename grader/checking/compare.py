"""Comparing what a submission returned with what was expected.

Failures raise ``CheckFailure`` with a message that gives expected and received
shape and dtype, the worst element, its index and the tolerance. With
``hidden=True`` the expected values themselves are never shown.
"""

from dataclasses import dataclass

import numpy as np

from grader.sandbox import wire
from grader.verdicts import CheckFailure

_LOW_PRECISION = (np.float16, np.float32)


@dataclass(frozen=True)
class Tolerance:
    """Element-wise ``|received - expected| <= atol + rtol * |expected|``.

    A submission that works in float32 is judged with the float32 pair.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    float32_rtol: float = 2e-4
    float32_atol: float = 1e-5

    def for_dtype(self, dtype):
        if dtype.type in _LOW_PRECISION:
            return self.float32_rtol, self.float32_atol
        return self.rtol, self.atol

    def as_float32(self):
        """The float32 pair for values of any dtype: for a number computed in float32 and returned
        as a Python float (whose dtype no longer says how it was computed)."""
        return Tolerance(self.float32_rtol, self.float32_atol, self.float32_rtol, self.float32_atol)


def low_precision(*values):
    """Whether any of ``values`` is a float16 or float32 array or scalar."""
    return any(isinstance(v, (np.ndarray, np.generic)) and np.asarray(v).dtype.type in _LOW_PRECISION
               for v in values)


def describe(value):
    """``shape (7,) float64`` for arrays, the type name for anything else."""
    if isinstance(value, (np.ndarray, np.generic)):
        return f"shape {tuple(np.shape(value))} {np.asarray(value).dtype}"
    if isinstance(value, (bool, int, float)):
        return f"a Python {type(value).__name__}"
    return f"a {type(value).__name__}"


def as_numeric(received, what):
    """``received`` as a numeric array, or a failure that says what came back."""
    if received is None:
        raise CheckFailure(f"{what} returned None (is a `return` missing?)")
    try:
        array = np.asarray(received)
    except (ValueError, TypeError):
        array = None
    if array is None or array.dtype.kind not in "biuf":
        raise CheckFailure(f"{what} returned {describe(received)}, not numbers")
    return array


def assert_close(received, expected, *, what, tol=Tolerance(), hidden=False):
    """Fail unless ``received`` matches ``expected`` in shape and values."""
    expected = np.asarray(expected)
    got = as_numeric(received, what)
    if expected.ndim == 0 and got.size == 1:
        got = got.reshape(())
    if got.shape != expected.shape:
        raise CheckFailure(f"{what}: expected shape {expected.shape} {expected.dtype}, "
                           f"received shape {got.shape} {got.dtype}")
    rtol, atol = tol.for_dtype(got.dtype)
    got64 = got.astype(np.float64)
    bad_finite = ~np.isfinite(got64) & np.isfinite(expected)
    if bad_finite.any():
        index = _index(np.argmax(bad_finite), got.shape)
        raise CheckFailure(f"{what}: received {got64[index] if got.ndim else got64} at index "
                           f"{index} where a finite number was expected "
                           f"({np.count_nonzero(bad_finite)} of {got.size} elements)")
    allowed = atol + rtol * np.abs(expected)
    with np.errstate(invalid="ignore"):
        error = np.abs(got64 - expected)
        bad = ~(error <= allowed) & ~(np.isnan(expected) & np.isnan(got64))
    if not bad.any():
        return
    flat = int(np.argmax(np.where(bad, np.nan_to_num(error, nan=np.inf), -1.0)))  # largest miss
    index = _index(flat, got.shape)
    e, r, a = expected.flat[flat], got64.flat[flat], allowed.flat[flat]
    where = f"worst element at index {index}" if got.ndim else "value"
    count = f"{np.count_nonzero(bad)} of {got.size} elements differ" if got.ndim else "the value differs"
    if hidden:  # how far off, or a tolerance scaled by |expected| or by the data, would tell the expected value
        raise CheckFailure(f"{what}: {count}; {where}: outside the tolerance ({describe(got)})")
    raise CheckFailure(f"{what}: {count}; {where}: received {r:.8g}, expected {e:.8g} "
                       f"(|difference| {abs(r - e):.3g} > tolerance {a:.3g}, rtol {rtol:g}, atol {atol:g})")


def unit_roundoff(value):
    """Half the machine epsilon of ``value``'s floating dtype (float64's for anything else)."""
    dtype = np.asarray(value).dtype
    return float(np.finfo(dtype if dtype.kind == "f" else np.float64).eps) / 2


def assert_solves(received, expected, *, condition, work, what, hidden=False):
    """Fail unless ``received`` solves the linear system whose exact solution is ``expected``.

    A stable solve in a precision of unit roundoff u errs by about u times the
    system's condition number, times a multiple of the work done (``work``);
    the allowed norm-relative error is their product, so that a float32 solve
    of an ill-conditioned system passes where an element-wise tolerance fails it.
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = as_numeric(received, what)
    if got.shape != expected.shape:
        raise CheckFailure(f"{what}: expected shape {expected.shape}, received shape {got.shape} {got.dtype}")
    if not np.all(np.isfinite(got)):
        raise CheckFailure(f"{what}: received nan or inf")
    u = unit_roundoff(got)
    allowed = work * u * condition
    error = float(np.linalg.norm(got.astype(np.float64) - expected) / max(np.linalg.norm(expected), 1e-300))
    if error <= allowed:
        return
    raise CheckFailure(f"{what}: norm-relative error {error:.3g} > tolerance "
                       f"{allowed:.3g} = {work:g} (work) x {u:.3g} (unit roundoff of {got.dtype}) x {condition:.3g} "
                       "(the system's condition number)" + ("" if hidden else f"; received {got}, expected {expected}"))


def assert_unchanged(before, after, *, what):
    """Fail if an input array was modified by the call."""
    for name, original in before.items():
        now = after[name]
        if np.shape(now) != np.shape(original) or not np.array_equal(now, original, equal_nan=True):
            raise CheckFailure(f"{what} modified its input `{name}` in place; "
                               "work on a copy (the contract: functions never modify their inputs)")


def probe_reply(reply, *fields, what):
    """``reply`` of a probe run in the submission's process, as a dict with ``fields``, or a failure:
    the submission can replace a probe, and a forged one answers anything."""
    if not isinstance(reply, dict) or any(field not in reply for field in fields):
        raise CheckFailure(f"{what}: the grader's probe in the submission's process answered "
                           f"{describe(reply)}, not its {', '.join(fields)} (was it replaced?)")
    return reply


def result_keeping_inputs(student, function, named, *, what):
    """What ``student.function(*named.values())`` returned, after failing if the call changed an
    array argument. Only the submission's process sees that (``probes:call_keeping_inputs``), and
    the submission can forge it: a check that uses this earns its points only with that result
    judged right too (``compare_keeping_inputs``)."""
    after = probe_reply(student.call_keeping_inputs(function, *named.values()), "result", "args", what=what)
    if not isinstance(after["args"], list) or len(after["args"]) != len(named):
        raise CheckFailure(f"{what}: the grader's probe did not send the arguments back (was it replaced?)")
    arrays = {name: value for name, value in named.items() if isinstance(value, np.ndarray)}
    assert_unchanged(arrays, dict(zip(named, after["args"])), what=function)
    return after["result"]


def compare_keeping_inputs(ctx, function, named, *, key, what, parts=None, tol=None):
    """``compare_call`` of ``function`` with the arguments ``named`` (``{name: argument}``), through
    ``result_keeping_inputs``: passes only with the reference's values and every array kept."""
    args = list(named.values())
    expected = ctx.expect(key, lambda ref: getattr(ref, function)(*wire.local(args)))
    received = result_keeping_inputs(ctx.student, function, named, what=what)
    try:
        return compare_result(ctx, received, expected, what=what, parts=parts, tol=tol)
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}; whether {function} keeps its inputs counts only with its values "
                           "right") from None


def fit_result(received, *, what, shape, n_epochs):
    """A ``fit``'s ``(parameters, loss_history)`` as float64 arrays, or a failure that says what is wrong."""
    if not isinstance(received, (tuple, list)) or len(received) != 2:
        raise CheckFailure(f"{what}: expected a tuple (parameters, loss_history), received {describe(received)}")
    params = as_numeric(received[0], f"{what}, parameters").astype(np.float64)
    history = as_numeric(received[1], f"{what}, loss_history").astype(np.float64)
    if params.shape != tuple(shape):
        raise CheckFailure(f"{what}: the parameters have shape {params.shape}, expected {tuple(shape)}")
    if history.shape != (n_epochs,):
        raise CheckFailure(f"{what}: loss_history has shape {history.shape}, expected ({n_epochs},), "
                           "one loss per epoch")
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(history))):
        raise CheckFailure(f"{what}: the parameters or loss_history hold nan or inf")
    return params, history


def _index(flat, shape):
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def compare_defaults(ctx, names):
    """Fail unless each function or class in ``names`` has the reference's (the contract's) default
    arguments, read from the signatures (``grader.checking.probes:defaults``): a default the checks cannot
    see in a result, such as a finite-difference step, is still part of the contract. Public checks
    only (in official grading too, where they draw their inputs): the contract is the same for every
    student, and no secret."""
    from grader.checking.probes import defaults

    if ctx.check.hidden:
        return

    for name in names:
        expected = ctx.expect(f"defaults/{name}", lambda ref: defaults(ref, name))
        received = ctx.student.helper("grader.checking.probes:defaults", name, what=name)
        if received is None:
            raise CheckFailure(f"missing {name}: the submission does not define it")
        contract = ", ".join(f"{k}={v!r}" for k, v in expected.items())
        for parameter, default in expected.items():
            if parameter not in received:
                raise CheckFailure(f"{name} has no parameter `{parameter}` with a default; the contract's "
                                   f"defaults: {contract}")
            got = received[parameter]
            same = (got == default if not isinstance(default, float) or not isinstance(got, (int, float))
                    else abs(got - default) <= 1e-6 * abs(default))
            if not same or isinstance(got, bool) != isinstance(default, bool):
                raise CheckFailure(f"{name}: `{parameter}` defaults to {got!r}; the contract says {default!r} "
                                   f"({contract})")


def compare_call(ctx, function, args, *, key, what, parts=None, tol=None):
    """Call the student's ``function(*args)`` and compare with the reference's answer.

    ``key`` names the expected value in the fixtures; ``parts`` names the
    elements of a tuple result, compared one by one. Tokens among ``args``
    (``grader.sandbox.wire.rng``, ``grader.sandbox.wire.function``) reach the reference as the
    objects the child makes of them.
    """
    expected = ctx.expect(key, lambda ref: getattr(ref, function)(*wire.local(args)))
    received = getattr(ctx.student, function)(*args)
    return compare_result(ctx, received, expected, what=what, parts=parts, tol=tol)


def compare_result(ctx, received, expected, *, what, parts=None, tol=None):
    """Compare what the student's call returned with the expected answer (see ``compare_call``).

    For checks that look at the result before comparing it, e.g. to record a
    training curve with ``ctx.record_curve``.
    """
    tol = tol or ctx.spec.tolerance
    if parts is None:
        assert_close(received, expected, what=what, tol=tol, hidden=ctx.hidden)
        return received
    if not isinstance(received, (tuple, list)) or len(received) != len(parts):
        raise CheckFailure(f"{what}: expected a tuple ({', '.join(parts)}), received {describe(received)}")
    for name, got, want in zip(parts, received, expected):
        assert_close(got, want, what=f"{what}, {name}", tol=tol, hidden=ctx.hidden)
    return received


def compare_default_call(ctx, function, args, *, what):
    """Fail unless ``function(*args)`` returns what ``function(*args, **defaults)`` does, ``defaults``
    the contract's (the reference's signature): the defaults are judged by what they do, in the
    parent, whatever the submission's process says its signature holds (``compare_defaults``).
    ``args`` are the required arguments; the two results must agree to a few units of rounding.
    Public checks only, as ``compare_defaults`` (in official grading too, where they draw their inputs)."""
    from grader.checking.probes import defaults

    if ctx.check.hidden:
        return
    contract = ctx.expect(f"defaults/{function}", lambda ref: defaults(ref, function))
    plain = getattr(ctx.student, function)(*args)
    explicit = getattr(ctx.student, function)(*args, **contract)
    shown = ", ".join(f"{k}={v!r}" for k, v in contract.items())
    differs = CheckFailure(f"{what}: the result with the default arguments differs from the result with the "
                           f"contract's defaults passed ({shown}): a default is not the contract's")
    plain, explicit = _parts(plain), _parts(explicit)
    if len(plain) != len(explicit):
        raise differs
    for got, want in zip(plain, explicit):
        got = as_numeric(got, f"{what} with its default arguments").astype(np.float64)
        want = as_numeric(want, f"{what} with the contract's defaults passed ({shown})")
        rounding = 8 * unit_roundoff(want) * np.linalg.norm(want.astype(np.float64))
        if got.shape != want.shape or not (np.array_equal(got, want, equal_nan=True)
                                           or np.linalg.norm(got - want) <= rounding):
            raise differs


def _parts(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]
