{#- True when `name_expr` (a domain or a source) is a list value or contains it as a whole label:
    www.google.co.uk matches google, l.facebook.com matches facebook, googleusercontent.com does not
    match google. -#}
{% macro matches_channel_list(name_expr, list_name, lists_relation) -%}
    exists (
        select 1
        from {{ lists_relation }} as channel_list
        where channel_list.list_name = '{{ list_name }}'
            and instr('.' || {{ name_expr }} || '.', '.' || channel_list.value || '.') > 0
    )
{%- endmacro %}

{% macro is_in_channel_list(value_expr, list_name, lists_relation) -%}
    exists (
        select 1
        from {{ lists_relation }} as channel_list
        where channel_list.list_name = '{{ list_name }}'
            and channel_list.value = {{ value_expr }}
    )
{%- endmacro %}

{#- The channel of a session or campaign from lower-cased utm_medium, utm_source and referrer
    domain: the first of the rules in docs/acquisition.md that matches. -#}
{% macro channel_from_tags(medium, source, referrer, lists_relation) -%}
    case
        when {{ is_in_channel_list(medium, 'paid_medium', lists_relation) }}
            then case
                when {{ medium }} = 'paid_social'
                    or coalesce({{ matches_channel_list(source, 'social', lists_relation) }}, false)
                    then 'paid_social'
                when {{ is_in_channel_list(medium, 'display_medium', lists_relation) }} then 'display'
                else 'paid_search'
            end
        when {{ medium }} = 'email' or {{ source }} in ('email', 'newsletter') then 'email'
        when {{ medium }} in ('affiliate', 'partner') then 'partner'
        when {{ medium }} in ('social', 'organic_social') then 'organic_social'
        when {{ medium }} is null and {{ referrer }} is not null
            and {{ matches_channel_list(referrer, 'social', lists_relation) }} then 'organic_social'
        when {{ medium }} = 'referral' then 'referral'
        when {{ medium }} = 'organic' then 'organic_search'
        when {{ medium }} is null and {{ referrer }} is not null
            and {{ matches_channel_list(referrer, 'search_engine', lists_relation) }} then 'organic_search'
        when {{ medium }} is null and {{ source }} is null and {{ referrer }} is null then 'direct'
        when {{ medium }} is null and {{ referrer }} is not null then 'referral'
        else 'other'
    end
{%- endmacro %}

{#- The attribution models every conversion is credited under, one row each (column attribution_model). -#}
{% macro attribution_models() -%}
    select attribution_model
    from (
        values ('first_touch'), ('last_touch'), ('linear'), ('position_based'), ('time_decay')
    ) as attribution_models (attribution_model)
{%- endmacro %}
