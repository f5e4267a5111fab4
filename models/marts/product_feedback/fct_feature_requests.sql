{#-
    One row per feature request a customer made, from every system that records them:
    - support: a help-desk ticket whose type is a feature-request type (var
      feature_request_ticket_types), with the feature key the agent picked (requested_feature);
    - cs_platform: the ask a CSM wrote down at a structured check-in (customer_ask, free text);
    - community: a post whose type is an idea type (var feature_request_post_types), by its title.
    Each request's text or key is mapped to a feature area by the seed feature_request_areas
    (source system + a case-insensitive LIKE pattern): the longest pattern that matches wins
    (ties: the pattern first in alphabetical order). A request no pattern matches is kept, in the
    area `unmapped` (data_quality.rpt_feature_request_mapping counts them), so adding a seed row is
    all it takes to place it. The seed also says whether an area is a product request at all
    (a discount or a business review is an ask, not a feature).
    A system switched off (enable_support / enable_cs_platform / enable_community) adds no rows.
    Invalid records and internal test accounts are left out; a request that identity resolution
    could not place on a customer (a community member of no customer, an unresolved ticket) is
    kept with customer_id null. first_loaded_at is when the warehouse first knew of the request,
    for anything computed as of a past day.
-#}

{%- set support = csops.system_enabled('support') %}
{%- set cs_platform = csops.system_enabled('cs_platform') %}
{%- set community = csops.system_enabled('community') %}

with

areas as (

    select * from {{ ref('feature_request_areas') }}

),

{% if support %}
    tickets as (

        select * from {{ ref('stg_support__tickets') }}
        where
            not is_invalid
            and not is_test_account
            and ticket_type in ({{ csops.quoted_list(csops.checked_var('feature_request_ticket_types')) }})

    ),

    ticket_history as (

        select * from {{ ref('stg_support__tickets_history') }}

    ),

    ticket_links as (

        {{ csops.customer_links('support', 'tickets', 'ticket_id') }}

    ),

    -- a ticket became a request when it was first loaded with a feature-request type
    tickets_first_requested as (

        select
            ticket_id,
            min(_loaded_at) as first_loaded_at
        from ticket_history
        where ticket_type in ({{ csops.quoted_list(csops.checked_var('feature_request_ticket_types')) }})
        group by ticket_id

    ),

    ticket_requests as (

        select
            'support' as source_system,
            tickets.ticket_id as source_record_id,
            ticket_links.customer_id,
            tickets.requester_email,
            cast(null as {{ dbt.type_string() }}) as community_member_id,
            cast(null as {{ dbt.type_string() }}) as csm_user_id,
            tickets.requested_feature_key as request_text,
            tickets.created_at as requested_at,
            tickets_first_requested.first_loaded_at,
            tickets._loaded_at
        from tickets
        inner join tickets_first_requested on tickets.ticket_id = tickets_first_requested.ticket_id
        left join ticket_links on tickets.ticket_id = ticket_links.ticket_id

    ),
{% endif %}

{% if cs_platform %}
    check_ins as (

        select * from {{ ref('stg_cs_platform__check_ins') }}
        where not is_invalid and customer_ask is not null

    ),

    crm_accounts as (

        select * from {{ ref('stg_crm__accounts') }}

    ),

    check_in_first_loads as (

        {{ csops.first_loads('cs_platform', 'check_ins', 'id', 'check_in_id') }}

    ),

    account_links as (

        {{ csops.customer_links('crm', 'accounts', 'account_id') }}

    ),

    check_in_requests as (

        select
            'cs_platform' as source_system,
            check_ins.check_in_id as source_record_id,
            account_links.customer_id,
            cast(null as {{ dbt.type_string() }}) as requester_email,
            cast(null as {{ dbt.type_string() }}) as community_member_id,
            check_ins.csm_user_id,
            check_ins.customer_ask as request_text,
            check_ins.checked_in_at as requested_at,
            check_in_first_loads.first_loaded_at,
            check_ins._loaded_at
        from check_ins
        inner join check_in_first_loads on check_ins.check_in_id = check_in_first_loads.check_in_id
        left join crm_accounts on check_ins.account_id = crm_accounts.account_id
        left join account_links on check_ins.account_id = account_links.account_id
        where not coalesce(crm_accounts.is_test_account, false)

    ),
{% endif %}

{% if community %}
    posts as (

        select * from {{ ref('stg_community__posts') }}
        where
            not is_invalid
            and post_type in ({{ csops.quoted_list(csops.checked_var('feature_request_post_types')) }})

    ),

    members as (

        select * from {{ ref('stg_community__members') }}

    ),

    post_first_loads as (

        {{ csops.first_loads('community', 'posts', 'id', 'post_id') }}

    ),

    member_links as (

        {{ csops.customer_links('community', 'members', 'member_id') }}

    ),

    post_requests as (

        select
            'community' as source_system,
            posts.post_id as source_record_id,
            member_links.customer_id,
            cast(null as {{ dbt.type_string() }}) as requester_email,
            posts.member_id as community_member_id,
            cast(null as {{ dbt.type_string() }}) as csm_user_id,
            posts.post_title as request_text,
            posts.posted_at as requested_at,
            post_first_loads.first_loaded_at,
            posts._loaded_at
        from posts
        inner join post_first_loads on posts.post_id = post_first_loads.post_id
        left join members on posts.member_id = members.member_id
        left join member_links on posts.member_id = member_links.member_id
        where not coalesce(members.is_test_account, false)

    ),
{% endif %}

-- every system's requests in one shape; the first select only types the columns (and is all
-- there is when every system is switched off)
requests as (

    select
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as requester_email,
        cast(null as {{ dbt.type_string() }}) as community_member_id,
        cast(null as {{ dbt.type_string() }}) as csm_user_id,
        cast(null as {{ dbt.type_string() }}) as request_text,
        cast(null as timestamp) as requested_at,
        cast(null as timestamp) as first_loaded_at,
        cast(null as timestamp) as _loaded_at
    where false
    {% if support %}
        union all
        select
            source_system,
            source_record_id,
            customer_id,
            requester_email,
            community_member_id,
            csm_user_id,
            request_text,
            requested_at,
            first_loaded_at,
            _loaded_at
        from ticket_requests
    {% endif %}
    {% if cs_platform %}
        union all
        select
            source_system,
            source_record_id,
            customer_id,
            requester_email,
            community_member_id,
            csm_user_id,
            request_text,
            requested_at,
            first_loaded_at,
            _loaded_at
        from check_in_requests
    {% endif %}
    {% if community %}
        union all
        select
            source_system,
            source_record_id,
            customer_id,
            requester_email,
            community_member_id,
            csm_user_id,
            request_text,
            requested_at,
            first_loaded_at,
            _loaded_at
        from post_requests
    {% endif %}

),

-- every area pattern a request's text matches, the longest (most specific) first
area_matches as (

    select
        requests.source_system,
        requests.source_record_id,
        areas.match_pattern,
        areas.feature_area,
        areas.is_product_request,
        row_number() over (
            partition by requests.source_system, requests.source_record_id
            order by length(areas.match_pattern) desc, areas.match_pattern asc
        ) as match_rank
    from requests
    inner join areas
        on
            requests.source_system = areas.source_system
            and lower(requests.request_text) like lower(areas.match_pattern)

),

best_matches as (

    select * from area_matches
    where match_rank = 1

),

final as (

    select
        -- ids
        requests.source_system || ':' || requests.source_record_id as feature_request_id,
        requests.source_system,
        requests.source_record_id,
        requests.customer_id,
        requests.community_member_id,
        requests.csm_user_id,
        -- attributes
        {{ csops.personal_data('requests.requester_email') }} as requester_email,
        requests.request_text,
        coalesce(best_matches.feature_area, 'unmapped') as feature_area,
        best_matches.is_product_request,
        best_matches.match_pattern as matched_pattern,
        best_matches.source_record_id is not null as is_mapped,
        -- dates
        requests.requested_at,
        cast(requests.requested_at as date) as requested_date,
        requests.first_loaded_at,
        requests._loaded_at
    from requests
    left join best_matches
        on
            requests.source_system = best_matches.source_system
            and requests.source_record_id = best_matches.source_record_id

)

select * from final
