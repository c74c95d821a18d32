-- 调查工作项历史: every worklist item ever issued up to the run's period, with the period it was first issued,
-- last listed and closed. An item closes in the first run period in which it is no longer listed (its
-- people were registered, explained by a survey return, or no longer need a visit).
{{ config(tags=['post_linkage']) }}

with listed as (
    select * from {{ ref('survey_worklist') }} where period <= {{ period() }}
),

run_periods as (
    select distinct period from {{ ref('person_ledger') }} where period <= {{ period() }}
),

items as (
    select
        worklist_item_id,
        arg_max(district_code, period) as district_code,
        arg_max(township_code, period) as township_code,
        arg_max(address, period) as address,
        min(period) as issued_period,
        max(period) as last_listed_period,
        count(*) as periods_listed
    from listed
    group by worklist_item_id
),

surveyed as (
    select distinct p.worklist_item_id
    from {{ ref('restricted_worklist_persons') }} as p
    inner join {{ ref('int_survey_returns_linked') }} as s
        on s.identifier = p.identifier or s.survey_form_no = p.worklist_item_id
    where p.period <= {{ period() }}
)

select
    i.worklist_item_id,
    i.district_code,
    i.township_code,
    i.address,
    i.issued_period,
    i.last_listed_period,
    case when i.last_listed_period < {{ period() }}
         then (select min(r.period) from run_periods as r where r.period > i.last_listed_period) end
        as closed_period,
    case when i.last_listed_period = {{ period() }} then 'open' else 'closed' end as status,
    case when i.last_listed_period = {{ period() }} then null
         when s.worklist_item_id is not null then 'surveyed'
         else 'resolved' end as close_reason,
    cast(i.periods_listed as integer) as periods_listed
from items as i
left join surveyed as s on s.worklist_item_id = i.worklist_item_id
