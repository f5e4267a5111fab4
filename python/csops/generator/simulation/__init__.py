"""The simulation behind the demo data, phase by phase: `simulate` returns the World every raw
system is a view of.

Before the month loop (population.py): the calendar, signups, latent health, trials and conversion,
the contracts signed. Then the first subscription of every signup and the end of lost trials
(book.py, lifecycle.py). Then, month by month, at each customer's period start: cancellations take
effect, new customers start paying, churned ones come back, a customer rarely changes currency,
seats and plans change, subscriptions pause (lifecycle.py), invoices are issued and paid or dunned
(invoicing.py), customers decide to churn (lifecycle.py), and the month's state is recorded.

All phases draw from one stream seeded with (seed, 1), in this order; vectorised over customers. The
billing terms (population.terms) draw from a stream of their own, seeded with (seed, 2), and currency
changes (lifecycle.change_currency) from one seeded with (seed, 3). After the month's churn decisions,
the CS team runs its plays with a random holdout (plays.py, a stream seeded with (seed, 4)); a treated
customer's latent health and hazard change from the next month on.
"""

from __future__ import annotations

import numpy as np

from .. import config as C
from ..world import World
from .book import Book
from .invoicing import collect_payments, issue_invoices
from .lifecycle import (
    change_currency,
    change_seats_and_plans,
    decide_churn,
    end_cancellations,
    end_lost_trials,
    reactivate,
    start_pauses,
    start_paying,
)
from .plays import PlayLedger, run_plays
from .population import calendar, contracts, latent_health, signups, terms, trials_and_conversion


def simulate(scale: C.Scale, seed: int) -> World:
    """The whole calendar of the scale, up to the horizon (the same world whatever the export's as-of)."""
    rng = np.random.default_rng([seed, 1])
    cal = calendar(scale.months)
    s = signups(rng, scale.customers, cal)
    lh = latent_health(rng, s.segment, cal.n_months)
    conv = trials_and_conversion(rng, s, lh.health, cal)
    contract = contracts(rng, s.segment, conv.paid_start)
    book = Book(s, conv, contract, terms(np.random.default_rng([seed, 2]), s.segment, contract.annual),
                cal.n_months)
    end_lost_trials(rng, book, conv, cal.as_of_day)

    switch_rng = np.random.default_rng([seed, 3])
    play_rng = np.random.default_rng([seed, 4])
    plays = PlayLedger(book.n)
    for m in range(cal.n_months):
        period_start = cal.month_start[m] + conv.anchor - 1
        h = lh.health[:, m]
        end_cancellations(book, m, period_start)
        start_paying(rng, book, m, cal.as_of_day)
        reactivate(rng, book, m, period_start, h)
        change_currency(switch_rng, book, m, period_start)
        running = change_seats_and_plans(rng, book, m, period_start, h)
        paused = start_pauses(rng, book, m, period_start, h, running)
        collect_payments(rng, book, m, period_start, h, issue_invoices(book, m, period_start, paused), cal.as_of_day)
        decide_churn(rng, book, m, period_start, lh.hazard, paused, cal.as_of_day)
        book.record_month(m, paused)
        run_plays(play_rng, book, plays, m, period_start, lh.health, lh.hazard)

    return World(
        seed=seed, scale=scale, horizon=cal.as_of_day, month_start=cal.month_start, segment=s.segment,
        currency=s.currency, signup_day=s.signup_day, has_trial=conv.has_trial, converts=conv.converts,
        paid_start_day=conv.paid_start, health=lh.health, hazard=lh.hazard, seats_by_month=book.seats_by_month,
        active_by_month=book.active_by_month, paused_by_month=book.paused_by_month,
        subs=book.subscriptions(cal.n_months), items=book.subscription_items(), pauses=book.pauses.arrays(),
        invoices=book.invoices.arrays(), payments=book.payments.arrays(), opportunities=book.opps.arrays(),
        churns=book.churns.arrays(), plays=plays.rows.arrays(),
    )
