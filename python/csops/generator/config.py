"""Scale presets, business parameters and the documented flaw rates of the demo data.

Everything a test or the README quotes about the generated data is defined here once.
"""

from __future__ import annotations

from dataclasses import dataclass

# The fictional SaaS company whose warehouse this is. Its own domain marks internal test accounts.
COMPANY_NAME = "Lumen"
INTERNAL_DOMAIN = "lumenhq.com"

DEFAULT_AS_OF = "2026-11-01"
# The simulated calendar of every scale runs from the first month of (DEFAULT_AS_OF - Scale.months) to
# DEFAULT_AS_OF + HORIZON_MONTHS, whatever --as-of says: --as-of only says when the export happens
# (nothing loaded on or after it is written), so an earlier as-of is a prefix of the same world.
HORIZON_MONTHS = 6
# A re-synced copy of a row is sent again within this many days of the original load.
RESYNC_MAX_DAYS = 30


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int  # organisations that sign up (trial or paid) before DEFAULT_AS_OF (more sign up after it)
    months: int  # months of history before DEFAULT_AS_OF
    events_per_user_day: float  # event rows per active user and weekday at latent health 0.7 (systems/product.py)
    customers_per_chunk: int  # how many customers' events are generated (and written) at once


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", customers=150, months=15, events_per_user_day=0.12, customers_per_chunk=150),
    "small": Scale("small", customers=2_000, months=24, events_per_user_day=0.12, customers_per_chunk=2_000),
    "medium": Scale("medium", customers=20_000, months=36, events_per_user_day=0.12,
                    customers_per_chunk=2_500),
    "large": Scale("large", customers=100_000, months=36, events_per_user_day=0.12,
                   customers_per_chunk=2_500),
}

SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_SHARE = (0.60, 0.30, 0.10)

# Negotiated prices: this share of mid-market and enterprise contracts pay a price per seat below
# the plan's list price (items carry their own unit_amount), by NEGOTIATED_DISCOUNT_PCT percent.
NEGOTIATED_SHARE = {"smb": 0.0, "mid_market": 0.20, "enterprise": 0.40}
NEGOTIATED_DISCOUNT_PCT = (5, 10, 15, 20, 25)
# Monthly probability that a paying customer moves its billing to another currency (once at most, at
# a period start where it could change plan): a new subscription in the new currency (lifecycle.py).
CURRENCY_CHANGE_PER_MONTH = 0.0005
# CS plays (simulation/plays.py): each month the CS team runs a play on paying customers whose signals
# cross its threshold, at most once per PLAY_COOLDOWN_MONTHS per play and one play a customer a month
# (the first of PLAYS that applies). A random PLAY_HOLDOUT_SHARE of the eligible are held out (not
# contacted). A treated customer's latent health gets PLAY_EFFECT_LOGIT (logit scale, per segment)
# from the next month, fading by PLAY_EFFECT_DECAY a month (the persistence of latent health); the
# churn hazard follows health. The renewal play does nothing: a grader can tell a play that works.
PLAYS = ("save", "renewal", "adoption")
PLAY_HOLDOUT_SHARE = 0.20
PLAY_COOLDOWN_MONTHS = 6
SAVE_PLAY_HEALTH = 0.30  # save play: latent health below this
RENEWAL_PLAY_HEALTH = 0.50  # renewal play: a term contract 3 months before its last month, health below this
ADOPTION_PLAY_HEALTH = 0.45  # adoption play: health (which drives usage) below this in the 2nd or 3rd month
ADOPTION_PLAY_MONTHS = (2, 3)  # months after the paid start (0) in which the adoption play can run
PLAY_EFFECT_LOGIT = {
    "save": {"smb": 0.35, "mid_market": 0.70, "enterprise": 1.00},
    "renewal": {"smb": 0.0, "mid_market": 0.0, "enterprise": 0.0},
    "adoption": {"smb": 0.0, "mid_market": 0.40, "enterprise": 0.60},
}
PLAY_EFFECT_DECAY = 0.8
# Probability a struggling monthly customer pauses billing in a month: PAUSE_PER_MONTH * (1 - health).
PAUSE_PER_MONTH = 0.025
# Seats bought at signup: lognormal (median, sigma), clipped to (min, max).
SEATS = {"smb": (5, 0.6, 1, 40), "mid_market": (35, 0.5, 10, 250), "enterprise": (250, 0.6, 80, 2500)}
# Share of customers on a monthly (vs term) contract.
MONTHLY_SHARE = {"smb": 0.70, "mid_market": 0.40, "enterprise": 0.0}
# Term contracts (not monthly) are billed yearly, or per quarter or half year (a month plan with
# interval_count 3 or 6): the share of each segment's term contracts on a quarterly and a semi-annual
# term (the rest are annual). smb term contracts are always annual.
TERM_MONTHS = (3, 6, 12)
TERM_SHARE = {"smb": (0.0, 0.0, 1.0), "mid_market": (0.15, 0.10, 0.75), "enterprise": (0.10, 0.10, 0.80)}
# Share of signups that start with a 14-day trial.
TRIAL_SHARE = {"smb": 0.80, "mid_market": 0.50, "enterprise": 0.10}
TRIAL_DAYS = 14
# Baseline monthly churn hazard at latent health 0.5; hazard = base * exp(HAZARD_SLOPE * (0.5 - health)).
BASE_HAZARD = {"smb": 0.036, "mid_market": 0.015, "enterprise": 0.008}
HAZARD_SLOPE = 3.5
# Early-life churn: while paying for t whole months (t = 0 the first month), the hazard is multiplied by
# 1 + EARLY_LIFE_BOOST * EARLY_LIFE_DECAY ** t, so churn peaks in the first 90 days of paying.
EARLY_LIFE_BOOST = 2.0
EARLY_LIFE_DECAY = 0.6
# Monthly probability of a seat expansion at latent health 1 (scaled by health squared).
EXPANSION_PER_MONTH = {"smb": 0.08, "mid_market": 0.11, "enterprise": 0.13}
# Mean of the customer's long-run health (logit scale).
HEALTH_MEAN_LOGIT = {"smb": 0.2, "mid_market": 0.5, "enterprise": 0.8}
# Support tickets per customer-month at health 0.5 (scaled up as health falls).
TICKETS_PER_MONTH = {"smb": 0.25, "mid_market": 1.0, "enterprise": 3.0}
# NPS respondents per customer-quarter.
NPS_PER_QUARTER = {"smb": 0.4, "mid_market": 1.2, "enterprise": 3.0}
# CSM coverage: accounts per CSM (smb is pooled: one digital-CS owner per this many accounts).
ACCOUNTS_PER_CSM = {"smb": 400, "mid_market": 60, "enterprise": 15}
# Structured CSM check-ins per active account and month, on average: each account has its own cadence
# around it (lognormal), and the count in a month is Poisson (systems/cs_platform.py).
CHECK_IN_PER_MONTH = {"smb": 0.03, "mid_market": 0.33, "enterprise": 1.0}

# Invoiced customers (enterprise annual contracts) pay by bank transfer, net NET_TERMS_DAYS; an invoice
# never paid is written off WRITE_OFF_DAYS after it was issued, with probability WRITE_OFF_RATE * (1 - health)^3.
NET_TERMS_SEGMENT = "enterprise"
NET_TERMS_DAYS = 30
WRITE_OFF_DAYS = 90
WRITE_OFF_RATE = 0.005
# Partial payments: this share of invoiced customers' invoices is paid in two bank transfers, the first
# for PARTIAL_FIRST_SHARE of the amount, the rest 10 to 40 days later (the invoice open until then).
PARTIAL_PAYMENT_RATE = 0.08
PARTIAL_FIRST_SHARE = (0.3, 0.7)

PLAN_TIERS = ("starter", "growth", "enterprise")
TIER_SHARE = {"smb": (0.7, 0.3, 0.0), "mid_market": (0.2, 0.7, 0.1), "enterprise": (0.0, 0.3, 0.7)}
# Monthly list price per seat in USD; annual plans cost ANNUAL_MONTHS_BILLED x the monthly price a year,
# quarterly and semi-annual ones 3 and 6 x the monthly price.
PRICE_USD = {"starter": 15.0, "growth": 35.0, "enterprise": 65.0}
ANNUAL_MONTHS_BILLED = 10
CURRENCIES = ("USD", "EUR", "JPY")
CURRENCY_SHARE = (0.70, 0.20, 0.10)
# Minor units per major unit (Stripe convention: JPY is zero-decimal).
MINOR_UNITS = {"USD": 100, "EUR": 100, "JPY": 1}
# Approximate units of currency per USD at the start of the window (a random walk moves it).
FX_START = {"USD": 1.0, "EUR": 0.92, "JPY": 148.0}

# The flaws real exports have, with the rate at which the generator plants them.
# Keys are referenced by the tests (python/tests/test_generator_flaws.py) and the README table.
FLAW_RATES: dict[str, float] = {
    # identity
    "billing_customer_missing_crm_id": 0.35,  # billing.customers.crm_account_id is null
    "workspace_missing_domain": 0.08,  # product.workspaces.domain is null
    "support_org_missing_domain": 0.40,  # support.organizations.domain is null
    "support_org_name_variant": 0.30,  # support org name differs from the CRM name (case, suffix)
    "crm_duplicate_account": 0.01,  # a second CRM account for the same company (same domain)
    "personal_email": 0.04,  # a contact / user / respondent uses a personal mailbox (gmail.com, ...)
    # formatting
    "messy_email": 0.25,  # email with upper case letters and/or padding spaces
    "messy_domain": 0.30,  # domain / website with upper case, www., scheme or trailing slash
    # re-syncs and late data
    "resync_duplicate": 0.02,  # a row exported twice, the copy with a later _loaded_at
    "event_resync_duplicate": 0.005,  # the same for product events
    "late_event": 0.02,  # product event received more than an hour after it happened (up to 3 days)
    # bookkeeping
    "test_account": 0.005,  # internal test accounts (company domain lumenhq.com, "[TEST]" names)
    "crm_account_soft_deleted": 0.01,  # crm.accounts.is_deleted = true
    "contact_soft_deleted": 0.03,  # crm.contacts.is_deleted = true
    "null_industry": 0.05,  # crm.accounts.industry is null
    "null_employee_count": 0.10,  # crm.accounts.employee_count is null
    "ticket_missing_requester": 0.02,  # support.tickets.requester_email is null
    "nps_invalid_score": 0.002,  # surveys.nps_responses.score outside 0..10 (a form bug)
}
