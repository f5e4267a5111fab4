-- The staging flag rules every system shares: what makes an email unusable, what marks an
-- internal test account (our own domain, or a test-account name where the record has a name), and
-- when a row's timestamps say it happened after it was loaded (the first such column is named).
with

emails as (

    select 'ann@acme.com' as email, cast(null as varchar) as expected_reason
    union all
    select cast(null as varchar) as email, 'missing_email' as expected_reason
    union all
    select 'ann@acme' as email, 'malformed_email' as expected_reason
    union all
    select '@acme.com' as email, 'malformed_email' as expected_reason
    union all
    select 'ann.acme.com' as email, 'malformed_email' as expected_reason

),

accounts as (

    select 'lumenhq.com' as domain, 'Acme' as account_name, true as expected_by_domain, true as expected_by_name
    union all
    select 'acme.com' as domain, '[TEST] Acme' as account_name, false as expected_by_domain, true as expected_by_name
    union all
    select 'acme.com' as domain, 'Acme' as account_name, false as expected_by_domain, false as expected_by_name
    union all
    select cast(null as varchar) as domain, cast(null as varchar) as account_name,
        false as expected_by_domain, false as expected_by_name

),

timestamps as (

    select
        cast('2026-10-31 06:00:00' as timestamp) as created_at,
        cast('2026-10-31 06:00:00' as timestamp) as started_at,
        cast('2026-10-31 06:00:00' as timestamp) as _loaded_at,
        cast(null as varchar) as expected_reason
    union all
    select
        cast('2026-10-31 06:00:01' as timestamp) as created_at,
        cast('2031-01-01 00:00:00' as timestamp) as started_at,
        cast('2026-10-31 06:00:00' as timestamp) as _loaded_at,
        'created_at_after_load' as expected_reason
    union all
    select
        cast('2025-01-01 00:00:00' as timestamp) as created_at,
        cast('2031-01-01 00:00:00' as timestamp) as started_at,
        cast('2026-10-31 06:00:00' as timestamp) as _loaded_at,
        'started_at_after_load' as expected_reason
    union all
    select
        cast(null as timestamp) as created_at,
        cast(null as timestamp) as started_at,
        cast('2026-10-31 06:00:00' as timestamp) as _loaded_at,
        cast(null as varchar) as expected_reason

),

failures as (

    select 'email ' || coalesce(email, '<null>') || ' flagged wrongly' as failure
    from emails
    where
        coalesce({{ csops.email_invalid_reason('email') }}, 'valid')
        != coalesce(expected_reason, 'valid')

    union all

    select 'test account by domain wrong for ' || coalesce(domain, '<null>') as failure
    from accounts
    where {{ csops.is_internal_test_account('domain') }} != expected_by_domain

    union all

    select 'test account by domain or name wrong for ' || coalesce(account_name, '<null>') as failure
    from accounts
    where {{ csops.is_internal_test_account('domain', 'account_name') }} != expected_by_name

    union all

    select 'timestamp after load flagged wrongly: ' || coalesce(expected_reason, 'valid') as failure
    from timestamps
    where
        coalesce({{ csops.timestamp_after_load_reason(['created_at', 'started_at']) }}, 'valid')
        != coalesce(expected_reason, 'valid')

)

select * from failures
