-- 最新户籍记录: per identifier, its latest hukou row delivered up to the run's period (as_of_period), the row the
-- golden record takes hukou status, household and home district from. A cancellation may be delivered once and
-- then drop out of the snapshot, so "latest" looks back over every earlier delivery.
--
-- Kept as state, one partition per period, so a month reads its own delivery and the previous partition
-- instead of every period's hukou rows and their identifiers: reading the whole history grew the golden record
-- by ~0.4 s per month at 1 M persons. Exact, not an approximation: the latest row over all periods ≤ P is the
-- latest over this period's rows and the state of the last period held (S), because the order below is total
-- (record_key breaks ties) and every row of S's state is older than the rows after S. The state's identifiers
-- are followed through merges made since (the surviving identifier, as int_record_identifiers' rows are), so
-- two identifiers merged into one compete as one. With no earlier partition (first build, a backfill before
-- the earliest held period, --full-refresh) it reads the whole history.
{{ config(
    materialized='period_partition',
    partition_column='as_of_period',
    tags=['post_linkage'],
) }}

{%- set from_state = is_incremental() %}

with
{%- if from_state %}
state_period as (
    select max(held.as_of_period) as period from {{ this }} as held where held.as_of_period < {{ period() }}
),
{%- endif %}

delivered as (
    -- hukou rows after the state (normally the run's period alone), with the identifier each was linked to
    select i.identifier, h.record_key, h.period, h.hukou_status, h.change_date, h.household_no,
           h.relation_to_head, h.address, h.district_code, h.township_code, h.ethnicity
    from {{ ref('stg_ps_hukou__residents') }} as h
    inner join {{ ref('int_record_identifiers') }} as i
        on i.record_key = h.record_key
        -- narrowed to the rows that can match (the record_key holds source and period): the links of every
        -- period are ~3.8 M rows a month at 1 M persons
        and i.source = 'ps_hukou' and i.record_period = h.period
    where h.period <= {{ period() }}
    {%- if from_state %}
        and h.period > coalesce((select period from state_period), '')
    {%- endif %}
),

candidates as (
    select * from delivered
    {%- if from_state %}
    union all
    -- the state: each identifier's latest row as of S, followed through merges (a delivered row is newer and
    -- wins: `period desc` below)
    select coalesce(s.surviving_id, held.identifier) as identifier, held.record_key, held.period,
           held.hukou_status, held.change_date, held.household_no, held.relation_to_head, held.address,
           held.district_code, held.township_code, held.ethnicity
    from {{ this }} as held
    left join {{ surviving_identifiers(
        "select identifier from " ~ this ~ " where identifier in (select identifier from "
        ~ source('linkage', 'identifier_registry') ~ " where status = 'alias')") }} as s
        on s.identifier = held.identifier
    where held.as_of_period = (select period from state_period)
    {%- endif %}
)

select
    identifier,
    record_key,
    period,
    hukou_status,
    change_date,
    household_no,
    relation_to_head,
    address,
    district_code,
    township_code,
    ethnicity,
    {{ period() }} as as_of_period
from candidates
-- record_key breaks ties (two rows of one person in one snapshot), so a re-run picks the same row
qualify row_number() over (
    partition by identifier
    order by period desc, (hukou_status = '正常') desc, change_date desc nulls last, record_key) = 1
