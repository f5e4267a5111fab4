{#
    Billing stores amounts in the currency's minor unit (cents), except zero-decimal currencies
    such as JPY (var zero_decimal_currencies). This returns the amount in major units.
    1999 usd -> 19.99; 1999 jpy -> 1999.
#}
{% macro minor_to_major(amount, currency) -%}
    cast(
        {{ amount }} / case
            when upper({{ currency }}) in (
                {%- for c in csops.checked_var('zero_decimal_currencies') %}'{{ c | upper }}'{% if not loop.last %}, {% endif %}{% endfor -%}
            ) then 1.0
            else 100.0
        end
        as decimal(18, 2)
    )
{%- endmacro %}
