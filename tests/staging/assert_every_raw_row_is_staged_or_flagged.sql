-- No raw row is lost without a trace: for every raw table, raw rows = staged rows + removed
-- re-sync duplicates (see rpt_raw_row_reconciliation). Returns the tables that do not add up.
select
    source_system,
    source_table,
    raw_rows,
    staged_rows,
    duplicate_rows_removed
from {{ ref('rpt_raw_row_reconciliation') }}
where raw_rows != staged_rows + duplicate_rows_removed
