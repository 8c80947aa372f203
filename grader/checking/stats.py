"""Acceptance bounds for statistical checks.

A check of something random (dropout masks, initial weights) accepts a
statistic when it falls in a range that a correct submission misses with
probability at most ``alpha``. Every bound here is exact or rigorous, not an
asymptotic approximation:

- ``binomial_interval``: the exact tails of a Binomial(n, p) count, each at most alpha / 2;
- ``normal_mean_halfwidth``: the mean of n independent N(0, sigma²) draws is N(0, sigma²/n);
- ``chi2_interval``: Laurent & Massart (2000), Lemma 1: for X ~ chi²(k) and x > 0,
  P(X ≥ k + 2√(kx) + 2x) ≤ e⁻ˣ and P(X ≤ k − 2√(kx)) ≤ e⁻ˣ, with e⁻ˣ = alpha / 2;
- ``hoeffding_halfwidth``: Hoeffding (1963): the mean of n independent variables in an
  interval of the given width strays from its expectation by t or more with probability
  at most 2 exp(−2 n t² / width²).

A check that runs several such tests fails a correct submission with
probability at most the sum of their alphas (the union bound). ``assert_within``
and ``assert_normal_draw`` turn the bounds into verdicts.
"""

import math

import numpy as np

from grader.checking.checks import CheckFailure

P_WITHIN_ONE_SD = 0.6826894921370859  # P(|Z| <= 1) for a standard normal Z


def normal_quantile(alpha):
    """``z`` with P(|Z| > z) = ``alpha`` for a standard normal Z (two-sided)."""
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    low, high = 0.0, 40.0
    for _ in range(200):  # bisection on the two-sided tail erfc(z / sqrt 2)
        middle = (low + high) / 2
        if math.erfc(middle / math.sqrt(2)) > alpha:
            low = middle
        else:
            high = middle
    return high


def normal_mean_halfwidth(sigma, n, alpha):
    """``t`` with P(|mean| > t) = ``alpha`` for the mean of ``n`` independent N(0, sigma²) draws."""
    return normal_quantile(alpha) * sigma / math.sqrt(n)


def binomial_interval(n, p, alpha):
    """``(low, high)``: a Binomial(n, p) count is below low or above high with probability ≤ alpha.

    Exact: each tail is summed from the probability mass function and is at most alpha / 2.
    """
    n = int(n)
    if not 0 < p < 1:
        return (0, 0) if p <= 0 else (n, n)
    k = np.arange(n + 1)
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    log_pmf = (log_factorial[n] - log_factorial[k] - log_factorial[n - k]
               + k * math.log(p) + (n - k) * math.log1p(-p))
    pmf = np.exp(log_pmf - log_pmf.max())
    pmf /= pmf.sum()
    below = np.cumsum(pmf)                    # P(K <= k)
    above = np.cumsum(pmf[::-1])[::-1]        # P(K >= k)
    low = int(np.searchsorted(below, alpha / 2, side="right"))  # P(K < low) <= alpha / 2
    high = int(np.nonzero(above > alpha / 2)[0][-1])            # P(K > high) <= alpha / 2
    return low, high


def chi2_interval(k, alpha):
    """``(low, high)``: X ~ chi²(k) falls outside with probability at most ``alpha`` (Laurent–Massart)."""
    x = math.log(2 / alpha)
    return k - 2 * math.sqrt(k * x), k + 2 * math.sqrt(k * x) + 2 * x


def hoeffding_halfwidth(n, width, alpha):
    """``t`` with P(|mean - expectation| >= t) <= alpha, ``n`` independent draws in an interval of ``width``."""
    return width * math.sqrt(math.log(2 / alpha) / (2 * n))


def assert_within(value, low, high, what, meaning, alpha=None, hidden=False):
    """Fail unless ``low <= value <= high``: a range a correct draw misses with probability <= alpha.

    ``hidden``: the numbers are left out (the range, and a value computed from them, would tell a
    drawn input such as a dropout rate)."""
    if not low <= value <= high:
        chance = f", where a correct draw lands but for a chance below {alpha:g}" if alpha else ""
        numbers = "" if hidden else f" {value:.6g},"
        range_ = "the range" if hidden else f"[{low:.6g}, {high:.6g}]"
        raise CheckFailure(f"{what}: {meaning} is{numbers} outside {range_}{chance}")


def assert_normal_draw(W, sigma, *, alpha, what, formula):
    """Fail unless the entries of ``W`` look like independent N(0, sigma²) draws: three tests, each
    missed by a correct draw with probability at most ``alpha`` (3 alpha in all).

    The mean (its exact normal law), the root mean square (sum(W²)/sigma² ~ chi²(n),
    Laurent-Massart) and the count of entries within one sigma (exact binomial
    tails): a wrong spread fails the second, a uniform draw of the right spread
    the third. ``formula`` says where sigma comes from, e.g. "sqrt(2 / n_in)".
    """
    W = np.asarray(W, dtype=np.float64)
    n = W.size
    bound = normal_mean_halfwidth(sigma, n, alpha)
    assert_within(W.mean(), -bound, bound, what, "the mean of W", alpha)
    low, high = chi2_interval(n, alpha)
    assert_within(np.sqrt(np.mean(W ** 2)), sigma * np.sqrt(low / n), sigma * np.sqrt(high / n), what,
                  f"the std of W, sqrt(mean(W²)) (expected {formula} = {sigma:.6g})", alpha)
    low, high = binomial_interval(n, P_WITHIN_ONE_SD, alpha)
    assert_within(np.count_nonzero(np.abs(W) <= sigma), low, high, what,
                  f"the count of |w| <= std (68.3 % of {n} for a normal distribution)", alpha)
