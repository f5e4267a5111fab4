{#-
    The revenue definitions this build applied: one row holding the value of every revenue var
    (dbt_project.yml, or --vars given to the build), each checked against its rule. Checks that
    recompute MRR outside dbt (the GX suite mrr_matches_billing) read the definitions from here,
    so they always follow the warehouse they check and never keep a copy of their own.
-#}

{%- set zero_decimal = csops.checked_var('zero_decimal_currencies') -%}

with

final as (

    select
        '{{ csops.checked_var("reporting_currency") }}' as reporting_currency,
        '{{ csops.checked_var("reporting_fx_method") }}' as reporting_fx_method,
        '{{ csops.checked_var("mrr_recognition_basis") }}' as mrr_recognition_basis,
        '{{ csops.checked_var("mrr_churn_recognition") }}' as mrr_churn_recognition,
        '{{ csops.checked_var("mrr_paused_subscriptions") }}' as mrr_paused_subscriptions,
        '{{ csops.checked_var("mrr_same_month_start_and_cancel") }}' as mrr_same_month_start_and_cancel,
        {{ 'true' if csops.checked_var('mrr_zero_without_cancellation_is_churn') else 'false' }}
            as is_mrr_zero_without_cancellation_churn,
        -- a comma-separated list, with a comma at each end: ',JPY,KRW,' (look a code up as ',JPY,')
        ',{{ zero_decimal | join(",") }},' as zero_decimal_currencies

)

select * from final
