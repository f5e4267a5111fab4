"""`csops check-raw`: a folder of exports against the raw contract (the sources YAML)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from csops.check_raw import CheckRawError, check
from csops.cli import main
from csops.raw_variants import single_files

pytestmark = pytest.mark.unit


def copy_raw(tiny: Path, to: Path) -> Path:
    """A copy of the tiny data with one file per table (<system>/<table>.parquet), the layout these
    tests break file by file; the demo's own folders of daily partitions are checked as written above."""
    shutil.copytree(tiny / "raw", to, ignore=shutil.ignore_patterns("_manifest.json"))
    single_files(to)
    return to


def rewrite(raw: Path, relative: str, change) -> None:
    path = raw / relative
    pq.write_table(change(pq.read_table(path)), path)


def replace_column(table: pa.Table, name: str, values) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def set_first(table: pa.Table, name: str, value) -> pa.Table:
    column = table.column(name).to_pylist()
    column[0] = value
    return replace_column(table, name, pa.array(column, type=table.schema.field(name).type))


def test_the_demo_data_matches_the_contract(tiny):
    assert check(tiny / "raw") == []


def test_a_broken_folder_gives_one_line_per_problem(tiny, tmp_path):
    raw = copy_raw(tiny, tmp_path / "raw")
    (raw / "surveys" / "csat_responses.parquet").unlink()
    rewrite(raw, "billing/plans.parquet", lambda t: t.drop_columns(["interval"]))
    rewrite(raw, "crm/opportunities.parquet", lambda t: replace_column(t, "amount", pc.cast(t["amount"], pa.string())))
    rewrite(raw, "product/features.parquet", lambda t: pa.concat_tables([t, t.slice(0, 1)]))
    rewrite(raw, "support/organizations.parquet", lambda t: set_first(t, "created_at", "2025-09-11T18:15:16"))
    rewrite(raw, "cs_platform/activities.parquet",
            lambda t: replace_column(t, "occurred_at", pc.cast(pc.strptime(
                pc.utf8_slice_codeunits(t["occurred_at"], 0, 19), "%Y-%m-%dT%H:%M:%S", "ms"), pa.timestamp("ms"))))
    rewrite(raw, "billing/customers.parquet", lambda t: set_first(t, "currency", "gbp"))
    # what the contract allows: an optional column left out, a table as a folder of files
    rewrite(raw, "crm/contacts.parquet", lambda t: t.drop_columns(["title"]))
    events = pq.read_table(raw / "product" / "events.parquet")
    (raw / "product" / "events.parquet").unlink()
    for i, start in enumerate(range(0, events.num_rows, 10_000)):
        (raw / "product" / "events" / f"loaded_date=2026-10-{i + 1:02d}").mkdir(parents=True)
        pq.write_table(events.slice(start, 10_000), raw / "product" / "events" / f"loaded_date=2026-10-{i + 1:02d}"
                       / "part-0.parquet")
    feature = pq.read_table(raw / "product" / "features.parquet")["feature_key"][0].as_py()

    assert check(raw) == [  # systems in the order of their sources files, tables in their order there
        "billing/customers.parquet: column currency has unknown currencies (no rates in billing/fx_rates): 'gbp'",
        "billing/plans.parquet: column interval missing (required, varchar)",
        "crm/opportunities.parquet: column amount is string, expected double",
        "cs_platform/activities.parquet: column occurred_at is a timestamp without time zone (timestamp[ms]); "
        "expected timestamptz (an instant: a timestamp with time zone, or ISO strings with their UTC offset)",
        f"product/features.parquet: 1 primary key(s) (feature_key) repeated within one _loaded_at, e.g. '{feature}'",
        "support/organizations.parquet: column created_at has 1 timestamp(s) without a UTC offset (expected "
        "timestamptz), e.g. '2025-09-11T18:15:16'",
        "surveys/csat_responses: table missing (no csat_responses.parquet and no folder csat_responses/)",
    ]


def test_a_table_as_both_file_and_folder_and_a_missing_system(tiny, tmp_path):
    raw = copy_raw(tiny, tmp_path / "raw")
    (raw / "crm" / "users").mkdir()
    shutil.copy(raw / "crm" / "users.parquet", raw / "crm" / "users" / "part-0.parquet")
    shutil.rmtree(raw / "community")
    assert check(raw) == [
        "community/: system missing (3 tables: members, posts, event_attendance); pass --skip-system community "
        "if you do not use it",
        "crm/users: both users.parquet and the folder users/ exist; keep one",
    ]
    assert check(raw, skip=["community"]) == ["crm/users: both users.parquet and the folder users/ exist; keep one"]


def test_without_fx_rates_currencies_need_the_iso_shape(tiny, tmp_path):
    raw = copy_raw(tiny, tmp_path / "raw")
    (raw / "billing" / "fx_rates.parquet").unlink()
    rewrite(raw, "billing/payments.parquet", lambda t: set_first(t, "currency", "dollars"))
    assert check(raw) == [
        "billing/payments.parquet: column currency has unknown currencies (not ISO-4217 codes (three letters)): "
        "'dollars'",
        "billing/fx_rates: table missing, but billing uses 4 currencies (DOLLARS, EUR, JPY, USD); add their rates "
        "(only a company billing in one currency, its reporting currency, needs no fx file)",
    ]


def test_a_single_currency_company_needs_no_fx_rates_but_every_required_table(tiny, tmp_path):
    raw = copy_raw(tiny, tmp_path / "raw")
    (raw / "billing" / "fx_rates.parquet").unlink()
    for table in ("customers", "plans", "subscriptions", "invoices", "payments"):
        rewrite(raw, f"billing/{table}.parquet",
                lambda t: replace_column(t, "currency", pa.array(["usd"] * t.num_rows, pa.string())))
    assert check(raw) == []
    (raw / "billing" / "subscription_pauses.parquet").unlink()
    assert check(raw) == [
        "billing/subscription_pauses: table missing "
        "(no subscription_pauses.parquet and no folder subscription_pauses/)"]


def test_crm_and_billing_cannot_be_skipped(tiny):
    with pytest.raises(CheckRawError, match="crm and billing are required"):
        check(tiny / "raw", skip=["billing"])
    with pytest.raises(CheckRawError, match="no such system"):
        check(tiny / "raw", skip=["erp"])


def test_cli_exit_codes(tiny, tmp_path, capsys):
    assert main(["check-raw", str(tiny / "raw")]) == 0
    assert capsys.readouterr().out == f"{tiny / 'raw'} matches the raw contract\n"
    raw = copy_raw(tiny, tmp_path / "raw")
    rewrite(raw, "billing/plans.parquet", lambda t: t.drop_columns(["unit_amount"]))
    assert main(["check-raw", str(raw)]) == 1
    out = capsys.readouterr()
    assert out.out == "billing/plans.parquet: column unit_amount missing (required, integer)\n"
    assert main(["check-raw", str(tmp_path / "nope")]) == 2
    assert "csops check-raw: error: no raw data folder" in capsys.readouterr().err
