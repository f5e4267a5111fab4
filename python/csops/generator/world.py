"""The latent world behind the demo data: who the customers are, how healthy they are, what they pay.

Every raw system is a view of this one simulation, so the systems agree where real ones agree
and a customer's latent health drives what each system records (usage, tickets, NPS, payment
failures, churn). Simulation is vectorised over customers and steps month by month.

Dates are int64 day numbers (days since 1970-01-01) throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import config as C
from .helpers import Rows, add_months, sigmoid


@dataclass
class World:
    seed: int
    scale: C.Scale
    as_of: int  # day number; nothing in the raw data happens on or after it
    month_start: np.ndarray  # (M + 1,) day numbers; month_start[M] == as_of
    segment: np.ndarray  # (N,) index into C.SEGMENTS
    currency: np.ndarray  # (N,) index into C.CURRENCIES
    signup_day: np.ndarray
    has_trial: np.ndarray
    converts: np.ndarray
    paid_start_day: np.ndarray
    anchor_dom: np.ndarray  # billing anchor day of month, 1..28
    annual: np.ndarray
    health: np.ndarray  # (N, M) latent health in 0..1, one value per calendar month
    hazard: np.ndarray  # (N, M) true monthly churn hazard
    seats_by_month: np.ndarray  # (N, M) seats paid for at the end of the month (0 when not paying)
    active_by_month: np.ndarray  # (N, M) a live subscription at the end of the month (paying or paused)
    paused_by_month: np.ndarray  # (N, M) billing paused that month
    tier_by_month: np.ndarray
    subs: dict[str, np.ndarray] = field(default_factory=dict)
    items: dict[str, np.ndarray] = field(default_factory=dict)
    invoices: dict[str, np.ndarray] = field(default_factory=dict)
    payments: dict[str, np.ndarray] = field(default_factory=dict)
    opportunities: dict[str, np.ndarray] = field(default_factory=dict)
    churns: dict[str, np.ndarray] = field(default_factory=dict)
    pauses: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.segment)

    @property
    def months(self) -> int:
        return len(self.month_start) - 1

    def by_segment(self, table: dict[str, float]) -> np.ndarray:
        return np.array([table[s] for s in C.SEGMENTS])[self.segment]


def unit_amount_minor(tier: np.ndarray, currency: np.ndarray, annual: np.ndarray) -> np.ndarray:
    """List price per seat in the currency's minor units, per month or per year."""
    monthly = np.array(
        [[round(C.PRICE_USD[t] * C.FX_START[c] * C.MINOR_UNITS[c] / 100) * 100 for c in C.CURRENCIES]
         for t in C.PLAN_TIERS],
        dtype=np.int64,
    )
    return monthly[tier, currency] * np.where(annual, C.ANNUAL_MONTHS_BILLED, 1)


def simulate(scale: C.Scale, seed: int, as_of: str) -> World:  # noqa: C901 - one month loop, step by step
    rng = np.random.default_rng([seed, 1])
    n, n_months = scale.customers, scale.months
    as_of_month = np.datetime64(as_of, "M")
    month_start = (as_of_month - n_months + np.arange(n_months + 1)).astype("datetime64[D]").astype(np.int64)
    as_of_day = int(month_start[-1])

    segment = rng.choice(3, n, p=C.SEGMENT_SHARE)
    currency = rng.choice(3, n, p=C.CURRENCY_SHARE)
    # Signups grow over time; the launch month brings a first wave of customers.
    weights = 1.0 + 2.0 * np.arange(n_months) / n_months
    weights[0] += 0.08 * weights.sum()
    signup_month = np.sort(rng.choice(n_months, n, p=weights / weights.sum()))
    signup_day = month_start[signup_month] + rng.integers(0, 28, n)

    seg = np.array(C.SEGMENTS)[segment]

    def per_seg(table: dict) -> np.ndarray:
        return np.array([table[s] for s in C.SEGMENTS])[segment]

    # Latent health: an AR(1) walk on the logit scale around each customer's own mean.
    mu = per_seg(C.HEALTH_MEAN_LOGIT) + rng.normal(0.0, 0.9, n)
    z = np.empty((n, n_months))
    z[:, 0] = mu + rng.normal(0.0, 0.6, n)
    shocks = rng.normal(0.0, 0.45, (n, n_months))
    for m in range(1, n_months):
        z[:, m] = mu + 0.8 * (z[:, m - 1] - mu) + shocks[:, m]
    health = sigmoid(z).astype(np.float32)
    hazard = np.clip(per_seg(C.BASE_HAZARD)[:, None] * np.exp(C.HAZARD_SLOPE * (0.5 - health)), 0, 0.6)
    hazard = hazard.astype(np.float32)

    has_trial = rng.random(n) < per_seg(C.TRIAL_SHARE)
    h0 = health[np.arange(n), signup_month]
    converts = ~has_trial | (rng.random(n) < sigmoid(-0.2 + 5.0 * (h0 - 0.45)))
    paid_start = signup_day + np.where(has_trial, C.TRIAL_DAYS, 0)
    ps_month = paid_start.astype("datetime64[D]").astype("datetime64[M]")
    dom = paid_start - ps_month.astype("datetime64[D]").astype(np.int64) + 1
    late = dom > 28  # keep billing anchors on days 1..28: push the start to the 1st of next month
    paid_start = np.where(late, (ps_month + 1).astype("datetime64[D]").astype(np.int64), paid_start)
    anchor = np.where(late, 1, dom)
    paid_month = ((paid_start.astype("datetime64[D]").astype("datetime64[M]") - as_of_month)
                  .astype(np.int64) + n_months)

    annual = rng.random(n) >= per_seg(C.MONTHLY_SHARE)
    tier = np.array([rng.choice(3, p=C.TIER_SHARE[s]) for s in seg]) if n else np.zeros(0, int)
    seat_median = np.array([C.SEATS[s][0] for s in seg], dtype=float)
    seat_sigma = np.array([C.SEATS[s][1] for s in seg])
    seats = np.clip(np.round(seat_median * np.exp(rng.normal(0, 1, n) * seat_sigma)),
                    [C.SEATS[s][2] for s in seg], [C.SEATS[s][3] for s in seg]).astype(np.int64)
    has_discount = rng.random(n) < 0.30
    discount_pct = np.where(has_discount, rng.choice([10, 15, 20, 25], n), 0)
    discount_end = np.where(has_discount, add_months(paid_start, rng.choice([3, 6, 12], n)), -1)

    # ---- subscriptions: the first one for every signup, created on the signup day ------------
    cap = 3 * n + 1
    sub_customer = np.full(cap, -1, np.int64)
    sub_created = np.full(cap, -1, np.int64)
    sub_trial_end = np.full(cap, -1, np.int64)
    sub_start = np.full(cap, -1, np.int64)
    sub_canceled = np.full(cap, -1, np.int64)
    sub_ended = np.full(cap, -1, np.int64)
    sub_annual = np.zeros(cap, bool)
    sub_currency = np.zeros(cap, np.int64)
    sub_past_due = np.zeros(cap, bool)
    sub_customer[:n] = np.arange(n)
    sub_created[:n] = signup_day
    sub_trial_end[:n] = np.where(has_trial, paid_start, -1)
    sub_start[:n] = np.where(converts, paid_start, -1)
    sub_annual[:n] = annual
    sub_currency[:n] = currency
    n_subs = n
    cur_sub = np.arange(n)

    items = Rows("subscription", "customer", "tier", "annual", "currency", "quantity", "unit_amount",
                 "discount_pct", "discount_end", "start")
    item_end: list[tuple[np.ndarray, np.ndarray]] = []
    items.add(subscription=np.arange(n), customer=np.arange(n), tier=tier, annual=annual, currency=currency,
              quantity=seats, unit_amount=unit_amount_minor(tier, currency, annual), discount_pct=discount_pct,
              discount_end=discount_end, start=signup_day)
    n_items = n
    cur_item = np.arange(n)

    # Trials that do not convert end on the trial end date.
    lost = has_trial & ~converts & (paid_start < as_of_day)
    sub_canceled[:n][lost] = paid_start[lost] - rng.integers(0, C.TRIAL_DAYS, lost.sum())
    sub_ended[:n][lost] = paid_start[lost]
    item_end.append((cur_item[lost], paid_start[lost]))

    invoices = Rows("customer", "subscription", "day", "period_start", "period_end", "amount", "currency",
                    "status", "annual")
    payments = Rows("invoice", "customer", "day", "amount", "currency", "succeeded", "attempt")
    opps = Rows("customer", "kind", "stage", "created", "close", "amount", "currency")
    churns = Rows("customer", "day", "kind")
    pauses = Rows("subscription", "customer", "start", "end")
    n_invoices = 0

    state = np.zeros(n, np.int8)  # 0 not yet paying, 2 paying, 3 churned
    pending = np.zeros(n, bool)
    term_start = np.zeros(n, np.int64)
    churned_month = np.full(n, -10, np.int64)
    reactivations = np.zeros(n, np.int64)
    paused_until = np.full(n, -1, np.int64)  # month in which a paused subscription resumes billing
    seats_by_month = np.zeros((n, n_months), np.int32)
    active_by_month = np.zeros((n, n_months), bool)
    paused_by_month = np.zeros((n, n_months), bool)
    tier_by_month = np.zeros((n, n_months), np.int8)
    retry_offsets = np.array([0, 3, 8, 15])

    def close_items(who: np.ndarray, day: np.ndarray) -> None:
        item_end.append((cur_item[who], day))

    def open_items(who: np.ndarray, day: np.ndarray) -> None:
        nonlocal n_items
        k = len(who)
        items.add(subscription=cur_sub[who], customer=who, tier=tier[who], annual=annual[who],
                  currency=currency[who], quantity=seats[who],
                  unit_amount=unit_amount_minor(tier[who], currency[who], annual[who]),
                  discount_pct=discount_pct[who], discount_end=discount_end[who], start=day)
        cur_item[who] = np.arange(n_items, n_items + k)
        n_items += k

    for m in range(n_months):
        period_start = month_start[m] + anchor - 1
        h = health[:, m]

        # 1. Cancellations decided last month take effect at the end of the paid period.
        eff = (state == 2) & pending
        idx = np.flatnonzero(eff)
        sub_ended[cur_sub[idx]] = period_start[idx]
        close_items(idx, period_start[idx])
        churns.add(customer=idx, day=period_start[idx], kind=np.full(len(idx), "voluntary"))
        state[idx] = 3
        pending[idx] = False
        churned_month[idx] = m

        # 2. New paying customers (trials convert, direct purchases start).
        new = (state == 0) & converts & (paid_month == m)
        idx = np.flatnonzero(new)
        state[idx] = 2
        term_start[idx] = m
        won_amount = seats[idx] * unit_amount_minor(tier[idx], currency[idx], annual[idx]) * np.where(
            annual[idx], 1, 12)
        opps.add(customer=idx, kind=np.full(len(idx), "new_business"), stage=np.full(len(idx), "closed_won"),
                 created=signup_day[idx] - rng.integers(10, 90, len(idx)), close=paid_start[idx],
                 amount=won_amount, currency=currency[idx])
        lost_now = np.flatnonzero((state == 0) & ~converts & (paid_month == m))
        opps.add(customer=lost_now, kind=np.full(len(lost_now), "new_business"),
                 stage=np.full(len(lost_now), "closed_lost"),
                 created=signup_day[lost_now] - rng.integers(10, 90, len(lost_now)),
                 close=np.minimum(paid_start[lost_now], as_of_day - 1),
                 amount=seats[lost_now] * unit_amount_minor(tier[lost_now], currency[lost_now],
                                                            annual[lost_now]) * 12 // np.where(
                     annual[lost_now], 12, 1),
                 currency=currency[lost_now])
        state[lost_now] = 4

        # 3. Churned customers come back now and then, as a new subscription.
        back = ((state == 3) & (m - churned_month >= 2) & (reactivations < 2)
                & (rng.random(n) < 0.05 * h ** 2))
        idx = np.flatnonzero(back)
        if len(idx):
            k = len(idx)
            new_ids = np.arange(n_subs, n_subs + k)
            n_subs += k
            sub_customer[new_ids] = idx
            sub_created[new_ids] = period_start[idx]
            sub_start[new_ids] = period_start[idx]
            sub_annual[new_ids] = annual[idx]
            sub_currency[new_ids] = currency[idx]
            cur_sub[idx] = new_ids
            seats[idx] = np.maximum(1, np.round(seats[idx] * rng.uniform(0.6, 1.1, k))).astype(np.int64)
            discount_pct[idx] = 0
            discount_end[idx] = -1
            open_items(idx, period_start[idx])
            state[idx] = 2
            term_start[idx] = m
            paid_month[idx] = m
            reactivations[idx] += 1
            opps.add(customer=idx, kind=np.full(k, "new_business"), stage=np.full(k, "closed_won"),
                     created=period_start[idx] - rng.integers(5, 40, k), close=period_start[idx],
                     amount=seats[idx] * unit_amount_minor(tier[idx], currency[idx], annual[idx])
                     * np.where(annual[idx], 1, 12), currency=currency[idx])

        # 4. Seat and plan changes at the period start (annual contracts contract only at renewal).
        active = state == 2
        paused_until[active & (paused_until == m)] = -1  # a pause ends: billing resumes this period
        paused = active & (paused_until > m)
        running = active & (paid_month < m) & ~paused
        renewal = running & annual & ((m - term_start) % 12 == 0)
        can_shrink = running & (~annual | renewal)
        expand = running & (rng.random(n) < 0.08 * h ** 2)
        shrink = can_shrink & ~expand & (rng.random(n) < 0.07 * (1 - h) ** 2)
        up = can_shrink & (tier < 2) & (rng.random(n) < 0.015 * h)
        down = can_shrink & ~up & (tier > 0) & (rng.random(n) < 0.02 * (1 - h))
        delta = np.maximum(1, np.round(seats * rng.uniform(0.1, 0.35, n))).astype(np.int64)
        seats = np.where(expand, seats + delta, np.where(shrink, np.maximum(1, seats - delta), seats))
        tier = np.where(up, tier + 1, np.where(down, tier - 1, tier))
        idx = np.flatnonzero(expand | shrink | up | down)
        close_items(idx, period_start[idx])
        open_items(idx, period_start[idx])
        exp_opp = np.flatnonzero(expand & (segment > 0))
        opps.add(customer=exp_opp, kind=np.full(len(exp_opp), "expansion"),
                 stage=np.full(len(exp_opp), "closed_won"),
                 created=period_start[exp_opp] - rng.integers(7, 45, len(exp_opp)),
                 close=period_start[exp_opp] - rng.integers(0, 5, len(exp_opp)),
                 amount=delta[exp_opp] * unit_amount_minor(tier[exp_opp], currency[exp_opp], annual[exp_opp])
                 * np.where(annual[exp_opp], 1, 12), currency=currency[exp_opp])
        ren = np.flatnonzero(renewal)
        opps.add(customer=ren, kind=np.full(len(ren), "renewal"), stage=np.full(len(ren), "closed_won"),
                 created=period_start[ren] - 90, close=period_start[ren] - rng.integers(0, 10, len(ren)),
                 amount=seats[ren] * unit_amount_minor(tier[ren], currency[ren], annual[ren]),
                 currency=currency[ren])

        # 4b. Pauses: a struggling monthly customer may pause billing for one to three periods.
        start_pause = running & ~annual & ~pending & (rng.random(n) < 0.012 * (1 - h))
        idx = np.flatnonzero(start_pause)
        length = rng.integers(1, 4, len(idx))
        paused_until[idx] = m + length
        pauses.add(subscription=cur_sub[idx], customer=idx, start=period_start[idx],
                   end=add_months(period_start[idx], length))
        paused = active & (paused_until > m)

        # 5. Invoices at each period start (monthly) or term start (annual); none while paused.
        bill = active & ~paused & (~annual | ((m - term_start) % 12 == 0))
        idx = np.flatnonzero(bill)
        k = len(idx)
        inv_ids = np.arange(n_invoices, n_invoices + k)
        n_invoices += k
        disc = np.where(period_start[idx] < discount_end[idx], discount_pct[idx], 0)
        amount = np.round(seats[idx] * unit_amount_minor(tier[idx], currency[idx], annual[idx])
                          * (100 - disc) / 100).astype(np.int64)
        period_end = add_months(period_start[idx], np.where(annual[idx], 12, 1))

        # 6. Payment attempts with dunning retries; failures get likelier as health falls.
        p_fail = 0.02 + 0.35 * (1 - h[idx]) ** 3
        # a retry after a failure fails again more often than a first attempt (same card, same problem)
        p_retry_fail = 0.3 + 0.4 * (1 - h[idx])
        fails = rng.random((k, 4)) < np.column_stack([p_fail, p_retry_fail, p_retry_fail, p_retry_fail])
        first_ok = np.where(fails.all(1), 4, np.argmin(fails, axis=1))
        n_attempts = np.minimum(first_ok + 1, 4)
        att_inv = np.repeat(np.arange(k), n_attempts)
        att_no = np.arange(len(att_inv)) - np.repeat(np.cumsum(n_attempts) - n_attempts, n_attempts)
        att_day = period_start[idx][att_inv] + retry_offsets[att_no]
        happened = att_day < as_of_day
        ok = att_no == first_ok[att_inv]
        payments.add(invoice=inv_ids[att_inv][happened], customer=idx[att_inv][happened],
                     day=att_day[happened], amount=amount[att_inv][happened],
                     currency=currency[idx][att_inv][happened], succeeded=ok[happened],
                     attempt=att_no[happened] + 1)
        paid_day = period_start[idx] + retry_offsets[np.minimum(first_ok, 3)]
        paid = (first_ok < 4) & (paid_day < as_of_day)
        last_try = period_start[idx] + retry_offsets[3]
        dunned_out = (first_ok == 4) & (last_try < as_of_day)
        status = np.where(paid, "paid", np.where(dunned_out, "uncollectible", "open"))
        invoices.add(customer=idx, subscription=cur_sub[idx], day=period_start[idx],
                     period_start=period_start[idx], period_end=period_end, amount=amount,
                     currency=currency[idx], status=status, annual=annual[idx])
        sub_past_due[cur_sub[idx]] = ~paid & ~dunned_out
        # Involuntary churn: the subscription is cancelled after the last failed retry.
        inv_churn = idx[dunned_out]
        day = last_try[dunned_out]
        sub_canceled[cur_sub[inv_churn]] = day
        sub_ended[cur_sub[inv_churn]] = day
        sub_past_due[cur_sub[inv_churn]] = False
        close_items(inv_churn, day)
        churns.add(customer=inv_churn, day=day, kind=np.full(len(inv_churn), "involuntary"))
        state[inv_churn] = 3
        churned_month[inv_churn] = m

        # 7. Voluntary churn decisions, effective at the end of the paid period.
        active = state == 2
        monthly_decide = active & ~annual & ~pending & ~paused & (rng.random(n) < hazard[:, m])
        lo = max(0, m - 11)
        p_term = 1 - (1 - hazard[:, lo:m + 1].mean(axis=1)) ** 12
        annual_decide = active & annual & ((m - term_start) % 12 == 11) & (rng.random(n) < p_term)
        decide = monthly_decide | annual_decide
        idx = np.flatnonzero(decide)
        pending[idx] = True
        click = np.where(annual[idx], period_start[idx] - rng.integers(0, 60, len(idx)),
                         period_start[idx] + rng.integers(0, 27, len(idx)))
        sub_canceled[cur_sub[idx]] = np.minimum(click, as_of_day - 1)
        ann_lost = np.flatnonzero(annual_decide)
        opps.add(customer=ann_lost, kind=np.full(len(ann_lost), "renewal"),
                 stage=np.where(add_months(period_start[ann_lost], 1) < as_of_day, "closed_lost", "open"),
                 created=add_months(period_start[ann_lost], 1) - 90,
                 close=add_months(period_start[ann_lost], 1),
                 amount=seats[ann_lost] * unit_amount_minor(tier[ann_lost], currency[ann_lost], True),
                 currency=currency[ann_lost])

        seats_by_month[:, m] = np.where(state == 2, seats, 0)
        active_by_month[:, m] = state == 2
        paused_by_month[:, m] = paused & (state == 2)
        tier_by_month[:, m] = tier

    # Items: apply the recorded end days.
    it = items.arrays()
    it_end = np.full(n_items, -1, np.int64)
    for who, day in item_end:
        it_end[who] = day
    it["end"] = it_end
    trunc = slice(0, n_subs)
    subs = {
        "customer": sub_customer[trunc], "created": sub_created[trunc], "trial_end": sub_trial_end[trunc],
        "start": sub_start[trunc], "canceled": sub_canceled[trunc], "ended": sub_ended[trunc],
        "annual": sub_annual[trunc], "currency": sub_currency[trunc], "past_due": sub_past_due[trunc],
        "paused": np.isin(np.arange(n_subs), cur_sub[(state == 2) & (paused_until >= n_months)]),
    }
    return World(
        seed=seed, scale=scale, as_of=as_of_day, month_start=month_start, segment=segment, currency=currency,
        signup_day=signup_day, has_trial=has_trial, converts=converts, paid_start_day=paid_start,
        anchor_dom=anchor, annual=annual, health=health, hazard=hazard, seats_by_month=seats_by_month,
        active_by_month=active_by_month, paused_by_month=paused_by_month, tier_by_month=tier_by_month,
        subs=subs, items=it, pauses=pauses.arrays(),
        invoices=invoices.arrays(), payments=payments.arrays(), opportunities=opps.arrays(),
        churns=churns.arrays(),
    )
