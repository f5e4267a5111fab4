"""The subscription book: every customer's state as the months go by, and the ledgers the month
phases write to (subscriptions, their items, invoices, payments, opportunities, churns, pauses).

Subscriptions are preallocated (each customer has at most four: the first, two reactivations and a
currency change);
items are one row per period of constant plan, seats and discount, closed by recording an end day.
"""

from __future__ import annotations

import numpy as np

from ..helpers import Rows
from ..world import unit_amount_minor
from .population import Contracts, Conversion, Signups, Terms

# Customer states.
SIGNED_UP = 0  # trialing, or not paying yet
PAYING = 2  # a live subscription (paying or paused)
CHURNED = 3
LOST = 4  # a trial that did not convert


class Book:
    """Mutable state of the simulation, one entry per customer (arrays of length N) plus the ledgers."""

    def __init__(self, s: Signups, conv: Conversion, contract: Contracts, terms: Terms, n_months: int) -> None:
        n = len(s.segment)
        self.n = n
        self.segment, self.currency, self.signup_day = s.segment, s.currency, s.signup_day
        self.converts, self.paid_start, self.anchor = conv.converts, conv.paid_start, conv.anchor
        self.paid_month = conv.paid_month.copy()  # a reactivation starts paying again
        self.annual = contract.annual  # a term contract (billed per quarter, half year or year), not monthly
        self.interval = terms.interval  # months per billing period (1 on a monthly contract)
        self.negotiated_pct = terms.negotiated_pct  # percent below list price per seat (0: list price)
        # The contract as it is now (seat and plan changes, reactivations). Known quirk, kept so the
        # output stays byte-identical: the first items hold these very discount arrays, so a reactivation
        # resetting a customer's discount in place also clears it on that customer's first item.
        self.tier, self.seats = contract.tier, contract.seats
        self.discount_pct, self.discount_end = contract.discount_pct, contract.discount_end

        # the first subscription of every signup, created on the signup day
        cap = 4 * n + 1
        self.sub_customer = np.full(cap, -1, np.int64)
        self.sub_created = np.full(cap, -1, np.int64)
        self.sub_trial_end = np.full(cap, -1, np.int64)
        self.sub_start = np.full(cap, -1, np.int64)
        self.sub_canceled = np.full(cap, -1, np.int64)
        self.sub_ended = np.full(cap, -1, np.int64)
        self.sub_annual = np.zeros(cap, bool)
        self.sub_interval = np.ones(cap, np.int64)
        self.sub_currency = np.zeros(cap, np.int64)
        self.sub_past_due = np.zeros(cap, bool)
        self.sub_currency_change = np.zeros(cap, bool)  # started by a currency change, not a reactivation
        self.sub_customer[:n] = np.arange(n)
        self.sub_created[:n] = s.signup_day
        self.sub_trial_end[:n] = np.where(conv.has_trial, conv.paid_start, -1)
        self.sub_start[:n] = np.where(conv.converts, conv.paid_start, -1)
        self.sub_annual[:n] = self.annual
        self.sub_interval[:n] = self.interval
        self.sub_currency[:n] = self.currency
        self.n_subs = n
        self.cur_sub = np.arange(n)  # each customer's current subscription

        self.items = Rows("subscription", "customer", "tier", "annual", "currency", "quantity", "unit_amount",
                          "discount_pct", "discount_end", "start", "interval")
        self.item_end: list[tuple[np.ndarray, np.ndarray]] = []
        self.items.add(subscription=np.arange(n), customer=np.arange(n), tier=self.tier, annual=self.annual,
                       currency=self.currency, quantity=self.seats,
                       unit_amount=self.price(np.arange(n)),
                       discount_pct=self.discount_pct, discount_end=self.discount_end, start=s.signup_day,
                       interval=self.interval)
        self.n_items = n
        self.cur_item = np.arange(n)  # each customer's current item

        self.invoices = Rows("customer", "subscription", "day", "period_start", "period_end", "amount", "currency",
                             "status", "annual")
        self.payments = Rows("invoice", "customer", "day", "amount", "currency", "succeeded", "attempt")
        self.opps = Rows("customer", "kind", "stage", "created", "close", "amount", "currency")
        self.churns = Rows("customer", "day", "kind")
        self.pauses = Rows("subscription", "customer", "start", "end")
        self.n_invoices = 0

        self.state = np.zeros(n, np.int8)  # SIGNED_UP, PAYING, CHURNED or LOST
        self.pending = np.zeros(n, bool)  # a voluntary cancellation takes effect at the next period start
        self.term_start = np.zeros(n, np.int64)  # month the current term (annual contracts) started
        self.churned_month = np.full(n, -10, np.int64)
        self.reactivations = np.zeros(n, np.int64)
        self.changed_currency = np.zeros(n, bool)
        self.switching = np.zeros(n, bool)  # changing currency this month (no other change)
        self.prorate_seats = np.zeros(n, np.int64)  # seats added mid-term this month (a proration invoice)
        self.paused_until = np.full(n, -1, np.int64)  # month in which a paused subscription resumes billing
        self.seats_by_month = np.zeros((n, n_months), np.int32)
        self.active_by_month = np.zeros((n, n_months), bool)
        self.paused_by_month = np.zeros((n, n_months), bool)

    def price(self, who: np.ndarray) -> np.ndarray:
        """Price per seat (minor units, per billing period) `who` pays on the current plan: the list
        price, less the negotiated percentage (rounded to whole minor units)."""
        list_price = unit_amount_minor(self.tier[who], self.currency[who], self.interval[who])
        return np.round(list_price * (100 - self.negotiated_pct[who]) / 100).astype(np.int64)

    def yearly(self, who: np.ndarray) -> np.ndarray:
        """Billing periods a year of `who`'s contract (12 monthly, 4 quarterly, 2, or 1 annual)."""
        return 12 // self.interval[who]

    def close_items(self, who: np.ndarray, day: np.ndarray) -> None:
        """End the current item of each customer in `who` on `day`."""
        self.item_end.append((self.cur_item[who], day))

    def open_items(self, who: np.ndarray, day: np.ndarray) -> None:
        """Start a new current item for `who` on `day`, with the current plan, seats and discount."""
        k = len(who)
        self.items.add(subscription=self.cur_sub[who], customer=who, tier=self.tier[who], annual=self.annual[who],
                       currency=self.currency[who], quantity=self.seats[who], unit_amount=self.price(who),
                       discount_pct=self.discount_pct[who], discount_end=self.discount_end[who], start=day,
                       interval=self.interval[who])
        self.cur_item[who] = np.arange(self.n_items, self.n_items + k)
        self.n_items += k

    def new_subscriptions(self, who: np.ndarray, day: np.ndarray) -> None:
        """A new subscription for each customer in `who`, created and started on `day`."""
        new_ids = np.arange(self.n_subs, self.n_subs + len(who))
        self.n_subs += len(who)
        self.sub_customer[new_ids] = who
        self.sub_created[new_ids] = day
        self.sub_start[new_ids] = day
        self.sub_annual[new_ids] = self.annual[who]
        self.sub_interval[new_ids] = self.interval[who]
        self.sub_currency[new_ids] = self.currency[who]
        self.cur_sub[who] = new_ids

    def end_subscriptions(self, who: np.ndarray, day: np.ndarray) -> None:
        """Cancel and end the current subscription of `who` on `day`, with its item."""
        self.sub_canceled[self.cur_sub[who]] = day
        self.sub_ended[self.cur_sub[who]] = day
        self.close_items(who, day)

    def record_month(self, m: int, paused: np.ndarray) -> None:
        """What the month ends with: seats paid for, live subscriptions, paused ones."""
        paying = self.state == PAYING
        self.seats_by_month[:, m] = np.where(paying, self.seats, 0)
        self.active_by_month[:, m] = paying
        self.paused_by_month[:, m] = paused & paying

    def subscriptions(self, n_months: int) -> dict[str, np.ndarray]:
        """The subscriptions as World.subs: one entry per subscription, in creation order."""
        trunc = slice(0, self.n_subs)
        paused_now = self.cur_sub[(self.state == PAYING) & (self.paused_until >= n_months)]
        return {
            "customer": self.sub_customer[trunc], "created": self.sub_created[trunc],
            "trial_end": self.sub_trial_end[trunc], "start": self.sub_start[trunc],
            "canceled": self.sub_canceled[trunc], "ended": self.sub_ended[trunc], "annual": self.sub_annual[trunc],
            "interval": self.sub_interval[trunc], "currency_change": self.sub_currency_change[trunc],
            "currency": self.sub_currency[trunc], "past_due": self.sub_past_due[trunc],
            "paused": np.isin(np.arange(self.n_subs), paused_now),
        }

    def subscription_items(self) -> dict[str, np.ndarray]:
        """The items as World.items, with the recorded end days (-1: still running)."""
        it = self.items.arrays()
        it_end = np.full(self.n_items, -1, np.int64)
        for who, day in self.item_end:
            it_end[who] = day
        it["end"] = it_end
        return it
