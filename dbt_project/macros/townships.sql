{#
  The township list in force for the run: the latest ca_divisions delivery up to the period (a period without
  its own delivery uses the previous one). effective_code follows an abolished (撤销) township to the one that
  absorbed it; name_stem drops the 街道/镇/乡 suffix that other sources often omit.
#}
{% macro period_townships(as_of=none) -%}
    {%- set as_of = as_of or period() -%}
    {#- Township codes are re-prefixed with the current district code: a 2015 list still says 500228xxx for
        梁平, records may say either; comparing current-prefix codes makes both meet. -#}
    select
        t.district_code,
        t.district_code || substr(t.township_code, 7) as township_code,
        t.township_name,
        {{ township_stem('t.township_name') }} as name_stem,
        t.status,
        case when t.status = '撤销' and t.successor_code is not null
             then coalesce(sm.district_code, left(t.successor_code, 6)) || substr(t.successor_code, 7)
             else t.district_code || substr(t.township_code, 7) end as effective_code
    from {{ ref('stg_ca_divisions__townships') }} as t
    left join {{ ref('district_code_map') }} as sm on sm.old_code = left(t.successor_code, 6)
    where t.period = (
        select max(period) from {{ ref('stg_ca_divisions__townships') }} where period <= {{ as_of }}
    )
{%- endmacro %}

{# True when the township list in force for the period is the one in force for the previous period: rows
   matched to townships last month may then keep last month's match (staging carry-over, macros/carry_over.sql). #}
{% macro townships_unchanged() -%}
    (not exists (({{ period_townships() }}) except ({{ period_townships(previous_period()) }}))
     and not exists (({{ period_townships(previous_period()) }}) except ({{ period_townships() }})))
{%- endmacro %}

{% macro township_stem(expr) -%}
    {#- also the office forms senders use: 石桥铺街道办事处, 白市驿镇人民政府, 石桥铺街办 -#}
    regexp_replace(regexp_replace({{ expr }}, '(人民政府|政府|办事处)$', ''), '(街道办|街办|街道|镇|乡)$', '')
{%- endmacro %}

{#
  CTE body mapping distinct (district_code, township_name) pairs of `relation` to a township code: exact name
  first, then same stem; an active township wins over an abolished one. Applied to distinct pairs, then joined.
#}
{% macro match_township_names(relation) -%}
    select
        n.district_code,
        n.township_name,
        arg_min(t.effective_code, cast((case when t.township_name = n.township_name then 0 else 2 end)
                 + (case when t.status = '撤销' then 1 else 0 end) as varchar) || t.township_code) as township_code,
        arg_min(t.status = '撤销', cast((case when t.township_name = n.township_name then 0 else 2 end)
                 + (case when t.status = '撤销' then 1 else 0 end) as varchar) || t.township_code) as is_abolished
    from (select distinct district_code, township_name from {{ relation }} where township_name is not null) as n
    inner join ({{ period_townships() }}) as t
        on t.district_code = n.district_code
        and (t.township_name = n.township_name or t.name_stem = {{ township_stem('n.township_name') }})
    group by all
{%- endmacro %}

{# CTE body checking 9-digit township codes of `relation` (column township_code_raw, old district prefix mapped). #}
{% macro match_township_codes(relation) -%}
    select
        n.township_code_raw,
        -- one answer per code even if the list repeats a code (an active row wins over an abolished one)
        arg_min(t.effective_code, (case when t.status = '撤销' then '1' else '0' end) || t.effective_code)
            as township_code,
        bool_and(t.status = '撤销') as is_abolished
    from (select distinct township_code_raw from {{ relation }} where township_code_raw is not null) as n
    left join {{ ref('district_code_map') }} as dm on dm.old_code = left(n.township_code_raw, 6)
    inner join ({{ period_townships() }}) as t
        on t.township_code = coalesce(dm.district_code, left(n.township_code_raw, 6)) || substr(n.township_code_raw, 7)
    group by n.township_code_raw
{%- endmacro %}
