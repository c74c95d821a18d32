-- 不一致项统计: how often each ledger field was found wrong, per sample period × district and city-wide,
-- out of the usable verdicts of that sample (share = items naming the field / items audited).
{{ config(tags=['post_sampling']) }}

with usable as (
    select * from {{ ref('int_audit_verdicts_checked') }} where is_usable
),

audited as (
    select sample_period, district_code, count(*) as audited
    from usable
    group by grouping sets ((sample_period), (sample_period, district_code))
),

fields as (
    select sample_period, district_code, unnest(mismatched_fields) as field_name
    from usable
    where verdict = '不一致'
),

counts as (
    select sample_period, district_code, field_name, count(*) as items
    from fields
    group by grouping sets ((sample_period, field_name), (sample_period, district_code, field_name))
)

select
    c.sample_period,
    case when c.district_code is null then 'city' else 'district' end as level,
    c.district_code,
    c.field_name,
    c.sample_period || '|' || coalesce(c.district_code, 'city') || '|' || c.field_name as field_error_id,
    cast(c.items as integer) as items,
    cast(a.audited as integer) as audited,
    c.items / a.audited as share,
    cast(rank() over (partition by c.sample_period, c.district_code order by c.items desc) as integer) as field_rank
from counts as c
inner join audited as a
    on a.sample_period = c.sample_period and a.district_code is not distinct from c.district_code
