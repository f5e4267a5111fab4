"""Each documented flaw of the raw exports is present at its documented rate (config.FLAW_RATES)."""

from __future__ import annotations

import math

import pytest

from csops.generator.config import FLAW_RATES, INTERNAL_DOMAIN, SCALES
from csops.generator.text import PERSONAL_DOMAINS

pytestmark = pytest.mark.unit

PERSONAL = ", ".join(f"'{d}'" for d in PERSONAL_DOMAINS)

# flaw -> SQL returning (rows with the flaw, rows it could occur in), on the `small` data set.
MEASURES = {
    "billing_customer_missing_crm_id":
        "select count(distinct id) filter (where crm_account_id is null), count(distinct id) "
        f"from billing_customers where email not ilike '%{INTERNAL_DOMAIN}%'",
    "workspace_missing_domain":
        "select count(*) filter (where domain is null), count(*) from "
        "(select distinct workspace_id, domain from product_workspaces)",
    "support_org_missing_domain":
        "select count(*) filter (where domain_names is null), count(*) from "
        "(select distinct id, domain_names from support_organizations)",
    "support_org_name_variant":
        # primary organisations only (one per customer), compared with the customer's CRM name
        "select count(*) filter (where o.name != a.name), count(*) from "
        "(select distinct id, name from support_organizations where id < 361000000000) o "
        "join truth_identity_map m on m.system = 'support' and m.source_id = cast(o.id as varchar) "
        "join truth_customers c using (customer_key) "
        "join (select distinct id, name from crm_accounts) a on a.id = c.crm_account_id",
    "crm_duplicate_account":
        "select count(*) filter (where entity_kind = 'duplicate_account'), "
        "count(*) filter (where entity_kind = 'customer') "
        "from truth_identity_map where system = 'crm' and source_table = 'accounts'",
    "personal_email":
        f"select count(*) filter (where lower(trim(split_part(email, '@', 2))) in ({PERSONAL})), count(*) "
        "from (select distinct id, email from crm_contacts) c "
        "join truth_identity_map m on m.source_table = 'contacts' and m.source_id = c.id "
        "where m.entity_kind = 'customer'",
    "messy_email":
        "select count(*) filter (where email != lower(trim(email))), count(*) "
        "from (select distinct id, email from crm_contacts)",
    "messy_domain":
        "select count(*) filter (where website != lower(trim(website)) or website like '%/%' "
        "or website like 'www.%'), count(*) from (select distinct id, website from crm_accounts)",
    # mutable tables are version logs (a row per change of a record): a re-synced duplicate is a row
    # identical to another but for _loaded_at, counted against the distinct versions
    "resync_duplicate":
        "select sum(n) - sum(k), sum(k) from (" + " union all ".join(
            f"select (select count(*) from {t}) n, (select count(*) from (select distinct * exclude (_loaded_at) "
            f"from {t})) k" for t in ("crm_accounts", "crm_contacts", "support_tickets", "billing_invoices",
                                      "product_users")) + ")",
    "event_resync_duplicate":
        "select count(*) - count(distinct event_id), count(distinct event_id) from product_events",
    "late_event":
        "select count(*) filter (where received_at - occurred_at > interval 1 hour), count(*) from "
        "(select distinct event_id, occurred_at, received_at from product_events)",
    "crm_account_soft_deleted":
        "select count(*) filter (where is_deleted), count(*) from (select distinct id, is_deleted from crm_accounts)",
    "contact_soft_deleted":
        "select count(*) filter (where is_deleted), count(*) from (select distinct id, is_deleted from crm_contacts)",
    "null_industry":
        "select count(*) filter (where industry is null), count(*) from "
        "(select distinct id, industry from crm_accounts)",
    "null_employee_count":
        "select count(*) filter (where number_of_employees is null), count(*) from "
        "(select distinct id, number_of_employees from crm_accounts)",
    "ticket_missing_requester":
        "select count(*) filter (where requester_email is null), count(*) from "
        "(select distinct id, requester_email from support_tickets)",
    "nps_invalid_score":
        "select count(*) filter (where score not between 0 and 10), count(*) from "
        "(select distinct response_id, score from surveys_nps_responses)",
}


def test_every_documented_flaw_is_measured():
    assert set(MEASURES) | {"test_account"} == set(FLAW_RATES)


@pytest.mark.parametrize("flaw", sorted(MEASURES))
def test_flaw_is_present_at_its_documented_rate(small_db, flaw):
    hits, total = small_db.rows(MEASURES[flaw])[0]
    rate = FLAW_RATES[flaw]
    assert total > 0
    observed = hits / total
    # binomial noise: 4 standard deviations, plus a little for rates defined on a slightly other base
    tolerance = 4 * math.sqrt(rate * (1 - rate) / total) + 0.1 * rate
    assert hits > 0, f"{flaw}: never planted"
    assert abs(observed - rate) <= tolerance, f"{flaw}: {observed:.4f} vs documented {rate} (+-{tolerance:.4f})"


def test_internal_test_accounts(small_db):
    n = SCALES["small"].customers
    expected = max(2, round(FLAW_RATES["test_account"] * n))
    assert small_db.one(f"select count(distinct id) from crm_accounts where website ilike '%{INTERNAL_DOMAIN}%'"
                        " and name like '[TEST]%'") == expected


def test_timestamps_carry_offsets_and_resyncs_load_later(small_db):
    offsets = small_db.one("select count(distinct right(created_at, 6)) from support_tickets")
    assert offsets >= 4
    # every re-synced copy was loaded later than the original
    assert small_db.one("select count(*) from (select id, count(distinct _loaded_at) d, count(*) n "
                        "from crm_accounts group by id) where n > 1 and d < n") == 0


def test_events_arrive_out_of_order(small_db):
    # the export is in load order: some event happened before the one stored just before it
    inversions = small_db.one(
        "select count(*) from (select occurred_at < lag(occurred_at) over (partition by workspace_id "
        "order by _loaded_at) as inverted from product_events) where inverted")
    assert inversions > 0
