"""Revenue forecast of the current book: the maths behind ml_revenue_forecast and its backtest.

The book is the customers paying at the forecast date (MRR above zero at its close). For each of
the next months we forecast the MRR those same customers will pay then - new business is out of
scope (a customer who signs later is never in it). Three methods, side by side:

- ``churn_model``: a customer on a monthly plan survives month after month with the constant
  hazard implied by its churn probability (a probability of churning within ``window_days``;
  survival to a day ``d`` days ahead is ``(1 - p) ** (d / window_days)``). A customer on a term
  plan (annual, semi-annual, quarterly) can leave only at a term end (:func:`term_survival`): at
  its next term end with its own probability when that falls inside the window (the model scored
  that renewal), otherwise - and at every later term end - with the renewal probability the model
  gives the book's term customers renewing inside the window that day; between term ends only the
  customer's own out-of-renewal probability applies. The survivors' MRR grows by the book's
  historical net expansion rate (expansion minus contraction over the opening MRR of the
  customers who stayed, per month, averaged over a trailing window).
- ``cohort_sbg``: the same, but a customer's survival comes from a shifted-beta-geometric (sBG)
  retention curve fitted to its signup cohort (Fader & Hardie 2007, "How to project customer
  retention"), conditional on the customer having survived to its current age.
- ``naive``: MRR stays flat.

The interval (80% and 95%, normal approximation, floored at zero) adds two variances: each
customer's survival is an independent Bernoulli trial, so the sum of survivors' MRR has variance
``sum(mrr_i**2 * s_i * (1 - s_i))`` (times the growth factor squared); and the growth factor
``(1 + g) ** t`` is uncertain because monthly net rates vary - its log has variance
``t * sd**2 + t**2 * sd**2 / n`` (month-to-month spread over ``t`` months plus the error of the
mean of ``n`` historical months; delta method: ``sd`` of ``log(1 + g)`` is ``sd / (1 + g)``), and
the forecast's variance from it is ``expected**2 * (exp(var_log) - 1)`` (log-normal).

Everything here is pure (frames and arrays in, frames out) and deterministic; the dbt Python
models only read their refs and call :func:`revenue_forecast` (ml_revenue_forecast),
:func:`forecast_backtest` (rpt_revenue_forecast_backtest) or :func:`cohort_fit_table`
(ml_revenue_forecast_cohorts), and return :func:`as_arrow` of the frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import optimize, special
from threadpoolctl import threadpool_limits

DAYS_PER_MONTH = 365.25 / 12
# two-sided normal quantiles of the 80% and 95% intervals (scipy.stats.norm.ppf(0.90), (0.975))
Z_80 = 1.2815515655446004
Z_95 = 1.959963984540054
# log alpha and log beta are searched within these bounds (alpha, beta from about 0.001 to 8000:
# beyond them the curve is a geometric one to many decimals)
LOG_PARAMETER_BOUNDS = (math.log(1e-3), math.log(8e3))

METHODS = ("churn_model", "cohort_sbg", "naive")
# what the dbt models read of int_customers_mrr_monthly and fct_mrr_movements (one home for the three)
MRR_MONTHLY_COLUMNS = "customer_id, month_start_date, first_paid_month, mrr_amount"
MOVEMENT_COLUMNS = "customer_id, month_start_date, movement_type, opening_mrr_amount, movement_mrr_amount"


# ---- shifted-beta-geometric ---------------------------------------------------------------------


@dataclass(frozen=True)
class SbgFit:
    """A shifted-beta-geometric fit. ``status`` is ``fitted`` or why there is no fit."""

    alpha: float | None
    beta: float | None
    log_likelihood: float | None
    status: str
    periods: int
    customers: int

    @property
    def is_fitted(self) -> bool:
        return self.status == "fitted"


def sbg_churn_probabilities(alpha: float, beta: float, periods: int) -> np.ndarray:
    """P(T = t) for t = 1..periods: the chance a new customer churns in period t.

    P(1) = a / (a + b); P(t) = P(t - 1) * (b + t - 2) / (a + b + t - 1) (Fader & Hardie, eq. 7).
    """
    probabilities = np.empty(periods)
    if periods == 0:
        return probabilities
    probabilities[0] = alpha / (alpha + beta)
    for t in range(2, periods + 1):
        probabilities[t - 1] = probabilities[t - 2] * (beta + t - 2) / (alpha + beta + t - 1)
    return probabilities


def sbg_survival(alpha: float, beta: float, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """S(t) = B(a, b + t) / B(a, b): the share of a cohort still a customer after t periods."""
    periods = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha, beta + periods) - special.betaln(alpha, beta))


def _validated_curve(survivors: Sequence[float]) -> np.ndarray:
    curve = np.asarray(survivors, dtype=float)
    if curve.ndim != 1 or curve.size == 0:
        raise ValueError("a survivor curve is a non-empty list of counts: n_0, n_1, ..., n_T")
    if np.any(curve < 0) or np.any(np.diff(curve) > 0):
        raise ValueError(f"survivor counts must be non-negative and never increase, got {list(curve)}")
    return curve


def _sufficient_counts(curves: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Customers lost in each period 1..T and still there (censored) after each period 0..T."""
    periods = max((curve.size - 1 for curve in curves), default=0)
    lost = np.zeros(periods + 1)
    censored = np.zeros(periods + 1)
    for curve in curves:
        lost[1:curve.size] += curve[:-1] - curve[1:]
        censored[curve.size - 1] += curve[-1]
    return lost, censored


def _log_likelihood_of_counts(alpha: float, beta: float, lost: np.ndarray, censored: np.ndarray) -> float:
    t = np.arange(lost.size, dtype=float)
    base = special.betaln(alpha, beta)
    # log P(T = t) = log B(a + 1, b + t - 1) - log B(a, b), t >= 1; log S(t) = log B(a, b + t) - log B(a, b)
    log_churn = special.betaln(alpha + 1.0, beta + t[1:] - 1.0) - base
    log_survival = special.betaln(alpha, beta + t) - base
    return float(np.dot(lost[1:], log_churn) + np.dot(censored, log_survival))


def sbg_log_likelihood(alpha: float, beta: float, curves: Sequence[np.ndarray]) -> float:
    """Log-likelihood of survivor curves (each n_0..n_T, right-censored at T) under sBG(a, b)."""
    lost, censored = _sufficient_counts([np.asarray(curve, dtype=float) for curve in curves])
    return _log_likelihood_of_counts(alpha, beta, lost, censored)


def sbg_fit(survivors: Sequence[float] | Sequence[Sequence[float]]) -> SbgFit:
    """Maximum-likelihood alpha and beta from one survivor curve or several (pooled).

    A curve is the number of customers still there after 0, 1, ..., T periods (n_0 first); several
    curves (cohorts of different ages) share one alpha and beta. No fit (a status saying why,
    never an exception) when the data cannot identify the two parameters: no customers, fewer
    than two periods observed, no churn at all (the fit runs off to beta = infinity), or an
    optimiser that does not converge.
    """
    first = survivors[0] if len(survivors) else None
    nested = first is not None and isinstance(first, (Sequence, np.ndarray)) and not isinstance(first, str)
    curves = [_validated_curve(curve) for curve in (survivors if nested else [survivors])]
    curves = [curve for curve in curves if curve[0] > 0]
    customers = int(sum(curve[0] for curve in curves))
    periods = max((curve.size - 1 for curve in curves), default=0)
    lost = sum(float(curve[0] - curve[-1]) for curve in curves)

    def no_fit(status: str) -> SbgFit:
        return SbgFit(None, None, None, status, periods, customers)

    if customers == 0:
        return no_fit("no_customers")
    if periods < 2:
        return no_fit("too_few_periods")
    if lost == 0:
        return no_fit("no_churn")

    lost_counts, censored_counts = _sufficient_counts(curves)

    def negative_log_likelihood(x: np.ndarray) -> float:
        return -_log_likelihood_of_counts(math.exp(x[0]), math.exp(x[1]), lost_counts, censored_counts)

    bounds = [LOG_PARAMETER_BOUNDS, LOG_PARAMETER_BOUNDS]
    result = optimize.minimize(negative_log_likelihood, x0=np.zeros(2), method="L-BFGS-B", bounds=bounds)
    if not result.success:
        # a flat likelihood can stop L-BFGS-B's line search; the simplex method needs no gradient
        result = optimize.minimize(
            negative_log_likelihood, x0=np.zeros(2), method="Nelder-Mead", bounds=bounds,
            options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000},
        )
    if not result.success or not np.all(np.isfinite(result.x)):
        return no_fit("not_converged")
    alpha, beta = math.exp(result.x[0]), math.exp(result.x[1])
    return SbgFit(alpha, beta, -float(result.fun), "fitted", periods, customers)


def sbg_conditional_survival(fit: SbgFit, age: int, horizons: Sequence[int]) -> np.ndarray:
    """S(age + h) / S(age): the chance a customer alive at ``age`` periods is still there h later.

    A customer whose first close is still ahead (age -1: it started paying in the month the
    forecast is made in) has survived nothing yet: S(age + h) / S(0).
    """
    if not fit.is_fitted:
        return np.ones(len(horizons))
    assert fit.alpha is not None and fit.beta is not None
    ahead = sbg_survival(fit.alpha, fit.beta, np.maximum(np.asarray(horizons, dtype=float) + age, 0.0))
    return ahead / sbg_survival(fit.alpha, fit.beta, max(age, 0))


def cohort_survivor_curves(customers: pd.DataFrame, through_month: int) -> dict[int, np.ndarray]:
    """Survivor curves of each signup cohort as known at the close of ``through_month``.

    ``customers`` has ``cohort_month`` (month index of the first paid month) and
    ``first_churn_month`` (month index of the first logo churn, NaN for none). A customer is in its
    cohort's n_0 when it was still there at the close of its first month (one who started and
    churned in the same month never survived a close); it survives period t while its first churn
    is after month cohort + t. Churn after ``through_month`` is unknown then (censored).
    """
    known = customers[customers["cohort_month"] <= through_month]
    churn = known["first_churn_month"].to_numpy(dtype=float)
    churn = np.where(churn <= through_month, churn, np.inf)
    cohorts = known["cohort_month"].to_numpy(dtype=int)
    curves: dict[int, np.ndarray] = {}
    for cohort in np.unique(cohorts):
        cohort_churn = churn[cohorts == cohort]
        ages = np.arange(0, through_month - cohort + 1)
        curves[int(cohort)] = np.array([(cohort_churn > cohort + age).sum() for age in ages], dtype=float)
    return curves


# ---- churn probabilities and movement rates ----------------------------------------------------


def monthly_hazard(probability: float | np.ndarray, window_days: int) -> np.ndarray:
    """The constant monthly churn hazard implied by a probability of churning within window_days."""
    p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
    return 1.0 - (1.0 - p) ** (DAYS_PER_MONTH / window_days)


def survival_from_window_probability(
    probability: np.ndarray, window_days: int, days_ahead: Sequence[float]
) -> np.ndarray:
    """Customers x horizons: the chance each customer is still paying ``days_ahead`` from now."""
    p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
    exponent = np.asarray(days_ahead, dtype=float) / window_days
    return (1.0 - p)[:, None] ** exponent[None, :]


def term_survival(
    probability: np.ndarray,
    days_to_term_end: np.ndarray,
    term_days: np.ndarray,
    renewal_probability: float,
    window_days: int,
    days_ahead: Sequence[float],
) -> np.ndarray:
    """Customers x horizons for term plans, who can leave only at a term end.

    A customer whose next term end (``days_to_term_end``) falls inside the window was scored on that
    renewal: it leaves there with its own probability ``p`` and nowhere before. One whose term end
    is later leaves at it with ``renewal_probability`` and, meanwhile, with the constant hazard of
    its own ``p`` (what can end a term plan early: a written-off invoice). Every later term end
    (each ``term_days`` after the first) is another renewal at ``renewal_probability``.
    """
    p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
    first_end = np.asarray(days_to_term_end, dtype=float)[:, None]
    term = np.maximum(np.asarray(term_days, dtype=float), 1.0)[:, None]
    days = np.asarray(days_ahead, dtype=float)[None, :]
    renewals = np.where(days >= first_end, 1.0 + np.floor((days - first_end) / term), 0.0)
    scored_renewal = (first_end <= window_days)[:, 0]
    q = float(np.clip(renewal_probability, 0.0, 1.0))
    at_first = np.where(scored_renewal, p, q)[:, None]
    survival = np.where(renewals >= 1, (1.0 - at_first) * (1.0 - q) ** np.maximum(renewals - 1.0, 0.0), 1.0)
    early = np.where(scored_renewal, 0.0, p)[:, None]
    return survival * (1.0 - early) ** (days / window_days)


@dataclass(frozen=True)
class MovementRates:
    """Monthly expansion and contraction of the surviving book over a trailing window."""

    expansion_ratio: float
    contraction_ratio: float
    net_sd_ratio: float
    months: int

    @property
    def net_ratio(self) -> float:
        return self.expansion_ratio - self.contraction_ratio

    @classmethod
    def none(cls) -> MovementRates:
        return cls(0.0, 0.0, 0.0, 0)


def movement_rates(
    monthly: pd.DataFrame, through_month: int, window_months: int, min_months: int = 2
) -> MovementRates:
    """Average monthly rates over the window of months ending with ``through_month``.

    Fewer than ``min_months`` months with a surviving book give no rates at all (no expansion, no
    contraction, ``months`` 0): one month says nothing about how rates vary, and a young book's
    first month (customers ramping up) would otherwise compound into the whole forecast.

    ``monthly`` has one row per month: ``month`` (index), ``surviving_opening_mrr_amount`` (the
    opening MRR of customers paying at the previous close who did not churn in the month),
    ``expansion_mrr_amount`` and ``contraction_mrr_amount`` (their movements). A month's rate is its
    movement over its surviving opening MRR; months without a surviving book are skipped.
    """
    window = monthly[
        (monthly["month"] <= through_month)
        & (monthly["month"] > through_month - window_months)
        & (monthly["surviving_opening_mrr_amount"] > 0)
    ]
    if len(window) < max(min_months, 1):
        return MovementRates.none()
    opening = window["surviving_opening_mrr_amount"].to_numpy(dtype=float)
    expansion = window["expansion_mrr_amount"].to_numpy(dtype=float) / opening
    contraction = window["contraction_mrr_amount"].to_numpy(dtype=float) / opening
    net = expansion - contraction
    sd = float(np.std(net, ddof=1)) if net.size >= 2 else 0.0  # only with min_months < 2
    return MovementRates(float(expansion.mean()), float(contraction.mean()), sd, int(net.size))


# ---- projecting the book -----------------------------------------------------------------------


def project_book(
    mrr: np.ndarray,
    survival: np.ndarray,
    months_ahead: Sequence[float],
    rates: MovementRates,
) -> pd.DataFrame:
    """Expected MRR of the book at each horizon, with its standard deviation and intervals.

    ``mrr``: the book's MRR per customer now; ``survival``: customers x horizons, each customer's
    chance of still paying at each horizon; ``months_ahead``: each horizon in months (fractional).
    """
    mrr = np.asarray(mrr, dtype=float)
    t = np.asarray(months_ahead, dtype=float)
    survival = np.asarray(survival, dtype=float).reshape(mrr.size, t.size)
    growth = max(1.0 + rates.net_ratio, 1e-9)
    factor = growth**t
    surviving = mrr @ survival
    expected = factor * surviving
    survival_variance = factor**2 * ((mrr**2) @ (survival * (1.0 - survival)))
    log_sd = rates.net_sd_ratio / growth
    log_variance = t * log_sd**2 + (t**2 * log_sd**2 / rates.months if rates.months else 0.0)
    rate_variance = expected**2 * np.expm1(log_variance)
    sd = np.sqrt(survival_variance + rate_variance)
    return pd.DataFrame(
        {
            "months_ahead": t,
            "expected_retained_customers": survival.sum(axis=0),
            "forecast_mrr_amount": expected,
            "forecast_sd_mrr_amount": sd,
            "lower_95_mrr_amount": np.maximum(expected - Z_95 * sd, 0.0),
            "lower_80_mrr_amount": np.maximum(expected - Z_80 * sd, 0.0),
            "upper_80_mrr_amount": expected + Z_80 * sd,
            "upper_95_mrr_amount": expected + Z_95 * sd,
        }
    )


def naive(mrr: np.ndarray, months_ahead: Sequence[float]) -> pd.DataFrame:
    """MRR stays flat: every customer stays, no expansion or contraction (no interval)."""
    flat = project_book(mrr, np.ones((len(mrr), len(months_ahead))), months_ahead, MovementRates.none())
    for column in ("forecast_sd_mrr_amount", "lower_95_mrr_amount", "lower_80_mrr_amount",
                   "upper_80_mrr_amount", "upper_95_mrr_amount"):
        flat[column] = np.nan
    return flat


# ---- months and dates --------------------------------------------------------------------------


def month_index(day: date | pd.Timestamp) -> int:
    """Months since year 0 (so consecutive months differ by one)."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def last_close_month(as_of_date: date) -> int:
    """The last month whose close (its last day's end) is at or before the end of ``as_of_date``."""
    return month_index(as_of_date + timedelta(days=1)) - 1


def days_between_closes(as_of_date: date, target_month: int) -> float:
    """Days from the close of ``as_of_date`` to the close of the target month (its last day's end)."""
    return float((month_start(target_month + 1) - (as_of_date + timedelta(days=1))).days)


# ---- the forecast of one book at one date ------------------------------------------------------


def cohort_fits(
    curves: Mapping[int, np.ndarray], min_cohort_customers: int = 1
) -> tuple[dict[int, SbgFit], SbgFit]:
    """Each cohort's own sBG fit, and the fit of all cohorts pooled (the fallback).

    A cohort of fewer than ``min_cohort_customers`` gets no fit of its own (status
    ``too_few_customers``): a dozen customers give wild estimates, and the pooled fit is steadier.

    The optimiser's BLAS runs on one thread: each call is tiny, and on a busy machine handing
    it to a pool of threads made a fit a hundred times slower.
    """
    with threadpool_limits(limits=1):
        own = {
            cohort: sbg_fit(curve) if curve[0] >= min_cohort_customers
            else SbgFit(None, None, None, "too_few_customers", curve.size - 1, int(curve[0]))
            for cohort, curve in sorted(curves.items())
        }
        pooled = sbg_fit([curve for _, curve in sorted(curves.items())]) if curves else sbg_fit([0])
    return own, pooled


def _floats(values: pd.Series) -> np.ndarray:
    """A column as floats, missing values (null in any pandas dtype) as NaN."""
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


def term_plans(book: pd.DataFrame, scored: np.ndarray, window_days: int) -> tuple[np.ndarray, float]:
    """Which customers of the book are on a term plan with a known term end (they need ``plan_group``,
    ``days_to_term_end`` and ``billing_interval_months``; a book without them has none), and the
    renewal probability: the mean probability of the scored term customers whose term end falls
    inside the window (what the model says about a renewal that day), or, with none renewing then,
    of every scored term customer; customers with a pending cancellation (``is_cancel_pending``, when
    the book has it) are left out of it."""
    needed = ("plan_group", "days_to_term_end", "billing_interval_months")
    if not set(needed) <= set(book.columns):
        return np.zeros(len(book), dtype=bool), 0.0
    days_to_term_end = _floats(book["days_to_term_end"])
    term = (
        (book["plan_group"].astype(str) == "term").to_numpy()
        & ~np.isnan(days_to_term_end)
        & (np.nan_to_num(_floats(book["billing_interval_months"])) > 0)
    )
    probabilities = book["churn_probability"].to_numpy(dtype=float)
    # a pending cancellation is a known outcome (probability 1), not what a renewal risks
    cancelling = (book["is_cancel_pending"].fillna(False).astype(bool).to_numpy()
                  if "is_cancel_pending" in book.columns else np.zeros(len(book), dtype=bool))
    renewing = term & scored & ~cancelling & (np.nan_to_num(days_to_term_end, nan=np.inf) <= window_days)
    pool = renewing if renewing.any() else term & scored & ~cancelling
    return term, float(probabilities[pool].mean()) if pool.any() else 0.0


def forecast_book(
    book: pd.DataFrame,
    customers: pd.DataFrame,
    monthly_rates: pd.DataFrame,
    as_of_date: date,
    horizons: Sequence[int],
    window_days: int,
    rate_window_months: int,
    min_cohort_customers: int = 1,
) -> pd.DataFrame:
    """Forecasts by every method of one book from one date, one row per method and horizon.

    ``book``: the customers paying at ``as_of_date`` - ``customer_id``, ``mrr_amount`` (> 0),
    ``cohort_month`` (month index) and ``churn_probability`` (NaN when the customer has no score).
    ``customers``: every customer's ``cohort_month`` and ``first_churn_month`` (for the sBG fits).
    ``monthly_rates``: see :func:`movement_rates`. Only months closed by the end of ``as_of_date``
    are used (the last one, L, is the as-of month itself when the as-of is a month's last day);
    horizon h is the close of month L + h. The churn_model rows are left out when no customer of
    the book has a probability.
    """
    forecast_month = last_close_month(as_of_date)
    horizons = [int(h) for h in horizons]
    targets = [forecast_month + h for h in horizons]
    days = [days_between_closes(as_of_date, target) for target in targets]
    months_ahead = [d / DAYS_PER_MONTH for d in days]
    mrr = book["mrr_amount"].to_numpy(dtype=float)
    rates = movement_rates(monthly_rates, forecast_month, rate_window_months)
    rate_reason = (
        None if rates.months
        else "fewer than 2 months with a surviving book in the rate window: no expansion or contraction"
    )
    frames = []

    def add(method: str, projected: pd.DataFrame, reason: str | None, with_rates: bool) -> None:
        projected = projected.copy()
        projected.insert(0, "method", method)
        projected.insert(1, "horizon_months", horizons)
        projected.insert(2, "target_month", targets)
        projected["expansion_monthly_ratio"] = rates.expansion_ratio if with_rates else 0.0
        projected["contraction_monthly_ratio"] = rates.contraction_ratio if with_rates else 0.0
        projected["rate_months"] = rates.months if with_rates else 0
        projected["method_reason"] = reason
        frames.append(projected)

    # churn_model: hazard from each customer's probability of churning within the window
    probabilities = book["churn_probability"].to_numpy(dtype=float)
    scored = ~np.isnan(probabilities)
    # a churn model that scored under half the book (a date before it could learn: only the pending
    # cancellations have a probability) says nothing about the rest: no churn_model forecast then
    if scored.size and scored.mean() >= 0.5:
        filled = np.where(scored, probabilities, probabilities[scored].mean())
        survival = survival_from_window_probability(filled, window_days, days)
        reasons = [rate_reason] if rate_reason else []
        term, renewal = term_plans(book, scored, window_days)
        if term.any():
            survival[term] = term_survival(
                filled[term], _floats(book["days_to_term_end"])[term],
                _floats(book["billing_interval_months"])[term] * DAYS_PER_MONTH,
                renewal, window_days, days,
            )
            reasons.append(f"{int(term.sum())} term-plan customers leave only at a term end (renewal "
                           f"probability {renewal:.4f})")
        if not scored.all():
            missing = int((~scored).sum())
            reasons.append(f"{missing} of {scored.size} customers without a churn probability took the book's mean")
        add("churn_model", project_book(mrr, survival, months_ahead, rates), "; ".join(reasons) or None, True)

    # cohort_sbg: each cohort's sBG curve, conditional on the customer's age now
    own, pooled = cohort_fits(cohort_survivor_curves(customers, forecast_month), min_cohort_customers)
    ages = forecast_month - book["cohort_month"].to_numpy(dtype=int)
    survival = np.ones((mrr.size, len(horizons)))
    fallbacks: dict[str, int] = {}
    for row, (cohort, age) in enumerate(zip(book["cohort_month"].to_numpy(dtype=int), ages, strict=True)):
        fit = own.get(int(cohort))
        if fit is None or not fit.is_fitted:
            status = fit.status if fit is not None else "no_cohort_history"
            key = (
                f"pooled fit ({status})" if pooled.is_fitted
                else f"flat, no pooled fit either ({status}, {pooled.status})"
            )
            fallbacks[key] = fallbacks.get(key, 0) + 1
            fit = pooled
        survival[row] = sbg_conditional_survival(fit, int(age), horizons)
    reasons = [rate_reason] if rate_reason else []
    reasons += [f"{count} customers: {key}" for key, count in sorted(fallbacks.items())]
    add("cohort_sbg", project_book(mrr, survival, months_ahead, rates), "; ".join(reasons) or None, True)

    add("naive", naive(mrr, months_ahead), None, False)
    result = pd.concat(frames, ignore_index=True)
    result.insert(3, "book_customers", int(mrr.size))
    result.insert(4, "book_mrr_amount", float(mrr.sum()))
    return result


# ---- inputs from the warehouse's tables --------------------------------------------------------


def month_indices(values: pd.Series) -> np.ndarray:
    """:func:`month_index` of a column of dates."""
    stamps = pd.to_datetime(values)
    return (stamps.dt.year * 12 + stamps.dt.month - 1).to_numpy(dtype=int)


def customer_history(mrr_monthly: pd.DataFrame, movements: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: ``customer_id``, ``cohort_month`` and ``first_churn_month`` (indices).

    ``mrr_monthly`` is int_customers_mrr_monthly (customer_id, first_paid_month), ``movements``
    fct_mrr_movements (customer_id, month_start_date, movement_type).
    """
    cohorts = mrr_monthly.groupby("customer_id", as_index=False)["first_paid_month"].min()
    cohorts["cohort_month"] = month_indices(cohorts["first_paid_month"])
    churns = movements[movements["movement_type"] == "churn"]
    first_churn = pd.Series(month_indices(churns["month_start_date"]), index=churns["customer_id"].to_numpy())
    first_churn = first_churn.groupby(level=0).min().astype(float)
    cohorts["first_churn_month"] = cohorts["customer_id"].map(first_churn).astype(float)
    return cohorts[["customer_id", "cohort_month", "first_churn_month"]]


def surviving_book_rates(movements: pd.DataFrame) -> pd.DataFrame:
    """Per month: the surviving book's opening MRR and its expansion and contraction (fct_mrr_movements).

    The surviving book of a month is the customers paying at the previous close (opening MRR above
    zero) who did not churn in it (one movement row each: expansion, contraction or unchanged);
    fx_impact rows are left out (currency is not the customer's doing).
    """
    opened = movements[
        (movements["opening_mrr_amount"].astype(float) > 0) & (movements["movement_type"] != "fx_impact")
    ]
    survivors = opened[opened["movement_type"].isin(["expansion", "contraction", "unchanged"])]
    amount = survivors["movement_mrr_amount"].astype(float).to_numpy()
    kind = survivors["movement_type"].to_numpy()
    per_row = pd.DataFrame(
        {
            "month": month_indices(survivors["month_start_date"]),
            "surviving_opening_mrr_amount": survivors["opening_mrr_amount"].astype(float).to_numpy(),
            "expansion_mrr_amount": np.where(kind == "expansion", amount, 0.0),
            "contraction_mrr_amount": np.where(kind == "contraction", amount, 0.0),
        }
    )
    return per_row.groupby("month", as_index=False).sum().sort_values("month", ignore_index=True)


def monthly_mrr(mrr_monthly: pd.DataFrame) -> pd.DataFrame:
    """int_customers_mrr_monthly reduced to customer_id, month (index), cohort_month, mrr_amount."""
    return pd.DataFrame(
        {
            "customer_id": mrr_monthly["customer_id"].to_numpy(),
            "month": month_indices(mrr_monthly["month_start_date"]),
            "cohort_month": month_indices(mrr_monthly["first_paid_month"]),
            "mrr_amount": mrr_monthly["mrr_amount"].astype(float).to_numpy(),
        }
    )


def book_at(monthly: pd.DataFrame, month: int) -> pd.DataFrame:
    """Customers paying at the close of ``month`` (from :func:`monthly_mrr`)."""
    rows = monthly[(monthly["month"] == month) & (monthly["mrr_amount"] > 0)]
    return rows[["customer_id", "mrr_amount", "cohort_month"]].reset_index(drop=True)


TERM_COLUMNS = ("plan_group", "days_to_term_end", "billing_interval_months", "is_cancel_pending")


def _with_probabilities(book: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """The book with each customer's churn probability and, when the scores carry them, its plan
    group, days to its term end and billing interval (for :func:`term_survival`)."""
    probabilities = scores.groupby("customer_id")["churn_probability"].mean()
    book = book.copy()
    book["churn_probability"] = book["customer_id"].map(probabilities).astype(float)
    if set(TERM_COLUMNS) <= set(scores.columns):
        terms = scores.groupby("customer_id")[list(TERM_COLUMNS)].first()
        for column in TERM_COLUMNS:
            book[column] = book["customer_id"].map(terms[column])
    return book


def _in_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows sorted by every column: the warehouse hands tables over in no set order, and float sums
    (rates, books) must not depend on it (the same data read from one file or many gave other digits)."""
    return frame.sort_values(list(frame.columns), kind="stable", na_position="last").reset_index(drop=True)


def revenue_forecast(
    as_of_date: date,
    mrr_monthly: pd.DataFrame,
    movements: pd.DataFrame,
    predictions: pd.DataFrame,
    forecast_months: int,
    window_days: int,
    rate_window_months: int,
    reporting_currency: str,
    min_cohort_customers: int = 1,
) -> pd.DataFrame:
    """ml_revenue_forecast: the book paying at the as-of, every method, horizons 1..forecast_months.

    ``predictions`` is ml_churn_predictions (customer_id, churn_probability, model_name).
    """
    mrr_monthly = _in_order(mrr_monthly)
    movements = _in_order(movements)
    predictions = _in_order(predictions)
    as_of_date = pd.Timestamp(as_of_date).date()
    monthly = monthly_mrr(mrr_monthly)
    book = _with_probabilities(book_at(monthly, month_index(as_of_date)), predictions)
    result = forecast_book(
        book,
        customer_history(mrr_monthly, movements),
        surviving_book_rates(movements),
        as_of_date,
        range(1, forecast_months + 1),
        window_days,
        rate_window_months,
        min_cohort_customers,
    )
    model_names = sorted(set(predictions["model_name"].dropna().astype(str)))
    result["churn_model_name"] = np.where(result["method"] == "churn_model", ", ".join(model_names) or None, None)
    if not (result["method"] == "churn_model").any():
        # under half the book has a churn probability: say so rather than leave the method out
        missing = result[result["method"] == "cohort_sbg"].assign(method="churn_model")
        for column in ("expected_retained_customers", "forecast_mrr_amount", "forecast_sd_mrr_amount",
                       "lower_95_mrr_amount", "lower_80_mrr_amount", "upper_80_mrr_amount",
                       "upper_95_mrr_amount"):
            missing[column] = np.nan
        missing["method_reason"] = ("no churn probability for half the book or more (ml_churn_predictions: the "
                                    "model could not learn yet)")
        missing["churn_model_name"] = None
        result = pd.concat([result, missing], ignore_index=True)
    result["as_of_date"] = as_of_date
    result["target_month_start_date"] = [month_start(int(m)) for m in result["target_month"]]
    result["revenue_forecast_id"] = result["method"] + ":" + result["target_month_start_date"].astype(str)
    result["reporting_currency"] = reporting_currency
    return result[FORECAST_COLUMNS].sort_values(["method", "horizon_months"], ignore_index=True)


FORECAST_TYPES = {
    "revenue_forecast_id": pa.string(), "method": pa.string(), "as_of_date": pa.date32(),
    "horizon_months": pa.int64(), "target_month_start_date": pa.date32(), "months_ahead": pa.float64(),
    "book_customers": pa.int64(), "book_mrr_amount": pa.float64(), "expected_retained_customers": pa.float64(),
    "forecast_mrr_amount": pa.float64(), "forecast_sd_mrr_amount": pa.float64(),
    "lower_95_mrr_amount": pa.float64(), "lower_80_mrr_amount": pa.float64(),
    "upper_80_mrr_amount": pa.float64(), "upper_95_mrr_amount": pa.float64(),
    "expansion_monthly_ratio": pa.float64(), "contraction_monthly_ratio": pa.float64(),
    "rate_months": pa.int64(), "reporting_currency": pa.string(), "churn_model_name": pa.string(),
    "method_reason": pa.string(),
}
FORECAST_COLUMNS = list(FORECAST_TYPES)


# ---- backtest ----------------------------------------------------------------------------------


def with_errors(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Add error (forecast - actual), absolute percentage error and interval hits to backtest rows."""
    out = forecasts.copy()
    forecast = out["forecast_mrr_amount"].astype(float)
    actual = out["actual_mrr_amount"].astype(float)
    out["error_mrr_amount"] = forecast - actual
    out["percentage_error_ratio"] = np.where(actual > 0, (forecast - actual) / actual.where(actual > 0, 1.0), np.nan)
    out["absolute_percentage_error_ratio"] = np.abs(out["percentage_error_ratio"])
    for level in ("80", "95"):
        lower, upper = out[f"lower_{level}_mrr_amount"], out[f"upper_{level}_mrr_amount"]
        within = (actual >= lower) & (actual <= upper)
        out[f"is_within_{level}_interval"] = within.where(lower.notna(), None).astype("boolean")
    return out


def _share_true(flags: pd.Series) -> float:
    return float(flags.astype(float).mean()) if flags.notna().any() else np.nan


def summarise_backtest(rows: pd.DataFrame) -> pd.DataFrame:
    """MAPE, bias and interval coverage per method and horizon (rows from :func:`with_errors`).

    MAPE is the mean absolute percentage error, bias the mean signed percentage error (above zero:
    the method over-forecasts), both over forecasts whose actual is above zero, on the forecast dates
    and horizons that every method forecast (the same months for all); coverage is the
    share of actuals inside the interval (null for a method without one).
    """
    graded = rows[rows["percentage_error_ratio"].notna()]
    # only the forecast dates and horizons every method forecast, so the methods are compared on the
    # same months (the churn model has no forecast before it could learn)
    methods = graded.groupby(["forecast_date", "horizon_months"])["method"].transform("nunique")
    graded = graded[methods == graded["method"].nunique()]
    summary = (
        graded.groupby(["method", "horizon_months"], as_index=False)
        .agg(
            forecasts_count=("percentage_error_ratio", "size"),
            mape_ratio=("absolute_percentage_error_ratio", "mean"),
            bias_ratio=("percentage_error_ratio", "mean"),
            coverage_80_ratio=("is_within_80_interval", _share_true),
            coverage_95_ratio=("is_within_95_interval", _share_true),
        )
    )
    for column in ("coverage_80_ratio", "coverage_95_ratio"):
        summary[column] = summary[column].astype(float)
    return summary.sort_values(["method", "horizon_months"], ignore_index=True)


def forecast_backtest(
    as_of_date: date,
    mrr_monthly: pd.DataFrame,
    movements: pd.DataFrame,
    scores: pd.DataFrame,
    horizons: Sequence[int],
    window_days: int,
    rate_window_months: int,
    reporting_currency: str,
    min_cohort_customers: int = 1,
) -> pd.DataFrame:
    """rpt_revenue_forecast_backtest: forecasts made at past month ends against what happened.

    Every month end M before the as-of whose book is not empty is a forecast date, for each
    horizon whose target month has closed by the as-of. Inputs are cut at M: the churn_model uses
    the out-of-time probabilities scored at M (``scores``: ml_churn_backtest_scores; only
    is_selected_model rows), the cohorts' sBG fits see only churn in months up to M's, the
    expansion and contraction rates only months up to M's. The actual is the MRR at the target
    month's close of the customers who were paying at M (0 for those gone). One ``forecast`` row
    per date, method and horizon, and one ``summary`` row per method and horizon
    (:func:`summarise_backtest`).
    """
    mrr_monthly = _in_order(mrr_monthly)
    movements = _in_order(movements)
    scores = _in_order(scores)
    as_of_date = pd.Timestamp(as_of_date).date()
    last_closed = last_close_month(as_of_date)
    monthly = monthly_mrr(mrr_monthly)
    history = customer_history(mrr_monthly, movements)
    rates = surviving_book_rates(movements)
    mrr_by_customer_month = monthly.set_index(["customer_id", "month"])["mrr_amount"]
    selected = scores[scores["is_selected_model"].astype(bool)]
    selected_months = month_indices(selected["observation_date"])
    horizons = sorted(int(h) for h in horizons)
    frames = []
    first_month = int(monthly["month"].min()) if not monthly.empty else last_closed
    for month in range(first_month, last_closed):
        due = [h for h in horizons if month + h <= last_closed]
        book = book_at(monthly, month)
        if not due or book.empty:
            continue
        forecast_date = month_start(month + 1) - timedelta(days=1)
        month_scores = selected[selected_months == month]
        month_scores = month_scores[pd.to_datetime(month_scores["observation_date"]).dt.date == forecast_date]
        book = _with_probabilities(book, month_scores)
        made = forecast_book(
            book, history, rates, forecast_date, due, window_days, rate_window_months, min_cohort_customers
        )
        made["forecast_date"] = forecast_date
        made["actual_mrr_amount"] = [
            float(mrr_by_customer_month.reindex(
                pd.MultiIndex.from_arrays([book["customer_id"].to_numpy(), np.full(len(book), target)])
            ).fillna(0.0).sum())
            for target in made["target_month"]
        ]
        frames.append(made)
    if frames:
        rows = with_errors(pd.concat(frames, ignore_index=True))
    else:
        rows = with_errors(pd.DataFrame(columns=[
            "method", "horizon_months", "target_month", "book_customers", "book_mrr_amount",
            "forecast_mrr_amount", "lower_95_mrr_amount", "lower_80_mrr_amount", "upper_80_mrr_amount",
            "upper_95_mrr_amount", "method_reason", "forecast_date", "actual_mrr_amount",
        ]))
    rows["grain"] = "forecast"
    rows["target_month_start_date"] = [month_start(int(m)) for m in rows["target_month"]]
    rows["backtest_row_id"] = (
        "forecast:" + rows["method"] + ":" + rows["horizon_months"].astype(str)
        + ":" + rows["forecast_date"].astype(str)
    )
    summary = summarise_backtest(rows)
    summary["grain"] = "summary"
    summary["backtest_row_id"] = "summary:" + summary["method"] + ":" + summary["horizon_months"].astype(str)
    summary["forecast_date"] = None
    summary["target_month_start_date"] = None
    result = pd.concat([rows, summary], ignore_index=True)
    result["forecasts_count"] = result["forecasts_count"].fillna(1).astype(int) if not result.empty else 0
    result["reporting_currency"] = reporting_currency
    for column in BACKTEST_COLUMNS:
        if column not in result.columns:
            result[column] = None
    return result[BACKTEST_COLUMNS].sort_values(
        ["grain", "method", "horizon_months", "forecast_date"], ignore_index=True, na_position="first"
    )


BACKTEST_TYPES = {
    "backtest_row_id": pa.string(), "grain": pa.string(), "method": pa.string(), "horizon_months": pa.int64(),
    "forecast_date": pa.date32(), "target_month_start_date": pa.date32(), "book_customers": pa.int64(),
    "book_mrr_amount": pa.float64(), "forecast_mrr_amount": pa.float64(), "lower_95_mrr_amount": pa.float64(),
    "lower_80_mrr_amount": pa.float64(), "upper_80_mrr_amount": pa.float64(), "upper_95_mrr_amount": pa.float64(),
    "actual_mrr_amount": pa.float64(), "error_mrr_amount": pa.float64(), "percentage_error_ratio": pa.float64(),
    "absolute_percentage_error_ratio": pa.float64(), "is_within_80_interval": pa.bool_(),
    "is_within_95_interval": pa.bool_(), "forecasts_count": pa.int64(), "mape_ratio": pa.float64(),
    "bias_ratio": pa.float64(), "coverage_80_ratio": pa.float64(), "coverage_95_ratio": pa.float64(),
    "reporting_currency": pa.string(), "method_reason": pa.string(),
}
BACKTEST_COLUMNS = list(BACKTEST_TYPES)


def as_arrow(frame: pd.DataFrame, types: Mapping[str, pa.DataType]) -> pa.Table:
    """The frame as an Arrow table of exactly these columns and types (NaN becomes null).

    dbt Python models return this, so a table's column types never depend on its rows (an empty
    backtest still has date and integer columns).
    """
    columns = {}
    for name, kind in types.items():
        values = frame[name].astype(object).where(frame[name].notna(), None).tolist()
        if pa.types.is_date(kind):
            values = [None if v is None else pd.Timestamp(v).date() for v in values]
        columns[name] = pa.array(values, type=kind)
    return pa.table(columns)


def cohort_fit_table(
    as_of_date: date,
    mrr_monthly: pd.DataFrame,
    movements: pd.DataFrame,
    forecast_months: int,
    min_cohort_customers: int = 1,
) -> pd.DataFrame:
    """ml_revenue_forecast_cohorts: the sBG fit behind each signup cohort's cohort_sbg forecast.

    One row per cohort with a customer who survived its first close (curves censored at the last
    closed month, as in :func:`forecast_book`), plus one ``pooled`` row (every cohort together, the
    fallback). ``curve_used`` says which fit the cohort's customers in the book are projected with.
    """
    mrr_monthly = _in_order(mrr_monthly)
    movements = _in_order(movements)
    as_of_date = pd.Timestamp(as_of_date).date()
    last_closed = last_close_month(as_of_date)
    curves = cohort_survivor_curves(customer_history(mrr_monthly, movements), last_closed)
    own, pooled = cohort_fits(curves, min_cohort_customers)
    book = book_at(monthly_mrr(mrr_monthly), month_index(as_of_date))
    rows = []
    for cohort, fit in [*own.items(), (None, pooled)]:
        curve = curves.get(cohort) if cohort is not None else None
        if cohort is None:
            # the book's customers whose cohort has no row (it started paying in the as-of month,
            # after the last close): the rows' book columns then add up to the book
            used, in_book = ("pooled" if pooled.is_fitted else "flat"), book[~book["cohort_month"].isin(list(curves))]
        else:
            used = "own" if fit.is_fitted else ("pooled" if pooled.is_fitted else "flat")
            in_book = book[book["cohort_month"] == cohort]
        applied = fit if used == "own" else pooled
        age = last_closed - cohort if cohort is not None else 0
        retention = float(sbg_conditional_survival(applied, age, [forecast_months])[0])
        rows.append(
            {
                "cohort_fit_id": "pooled" if cohort is None else f"cohort:{month_start(cohort)}",
                "is_pooled": cohort is None,
                "cohort_month_start_date": None if cohort is None else month_start(cohort),
                "as_of_date": as_of_date,
                "cohort_customers": fit.customers,
                "periods_observed": fit.periods,
                "surviving_customers": int(curve[-1] if curve is not None else sum(c[-1] for c in curves.values())),
                "alpha": fit.alpha,
                "beta": fit.beta,
                "log_likelihood": fit.log_likelihood,
                "fit_status": fit.status,
                "curve_used": used,
                "book_customers": len(in_book),
                "book_mrr_amount": float(in_book["mrr_amount"].sum()),
                "retention_at_horizon_ratio": retention,
                "horizon_months": forecast_months,
            }
        )
    return pd.DataFrame(rows, columns=list(COHORT_FIT_TYPES))


COHORT_FIT_TYPES = {
    "cohort_fit_id": pa.string(), "is_pooled": pa.bool_(), "cohort_month_start_date": pa.date32(),
    "as_of_date": pa.date32(), "cohort_customers": pa.int64(), "periods_observed": pa.int64(),
    "surviving_customers": pa.int64(), "alpha": pa.float64(), "beta": pa.float64(),
    "log_likelihood": pa.float64(), "fit_status": pa.string(), "curve_used": pa.string(),
    "book_customers": pa.int64(), "book_mrr_amount": pa.float64(), "retention_at_horizon_ratio": pa.float64(),
    "horizon_months": pa.int64(),
}
