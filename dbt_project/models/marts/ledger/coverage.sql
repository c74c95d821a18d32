-- 参保覆盖率: should-be-insured, insured and rate per period × scheme group × area, with the target in force
-- (seed ledger_coverage_targets: end-2015 targets, full coverage from end-2020) and the gap in persons.
-- level = township | district | city; township rows with township_code NULL count persons whose township
-- is unknown. District codes are current (end-2016) codes.
{{ config(
    materialized='period_partition',
    tags=['post_linkage'],
) }}

with ledger as (
    select * from {{ ref('person_ledger') }} where period = {{ period() }}
),

counts as (
    select
        scheme_group,
        case when grouping(district_code) = 1 then 'city'
             when grouping(township_code) = 1 then 'district'
             else 'township' end as level,
        district_code,
        township_code,
        count(*) filter (where is_should_insure) as should,
        count(*) filter (where is_should_insure and is_insured) as insured
    from ledger
    group by grouping sets ((scheme_group), (scheme_group, district_code), (scheme_group, district_code, township_code))
),

targets as (
    select scheme_group, cast(target as decimal(4, 2)) as target
    from {{ ref('ledger_coverage_targets') }}
    where from_period <= {{ period() }}
    qualify row_number() over (partition by scheme_group order by from_period desc) = 1
),

pilots as (
    select district_code, is_pilot from {{ ref('districts') }}
)

select
    {{ period() }} as period,
    c.level,
    c.scheme_group,
    c.district_code,
    c.township_code,
    {{ period() }} || '|' || c.scheme_group || '|' || c.level || '|' || coalesce(c.district_code, '')
        || '|' || coalesce(c.township_code, '') as coverage_id,
    cast(c.should as integer) as should,
    cast(c.insured as integer) as insured,
    cast(case when c.should > 0 then c.insured / c.should end as double) as rate,
    t.target,
    cast(greatest(0, ceil(t.target * c.should) - c.insured) as integer) as gap,
    coalesce(p.is_pilot, false) as is_pilot
from counts as c
left join targets as t on t.scheme_group = c.scheme_group
left join pilots as p on p.district_code = c.district_code
