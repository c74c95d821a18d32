-- 入户调查名单（人员）: each person to visit in the period with the reasons, full ID and phone (restricted:
-- the printed township worklists are made from it). Contract "Household survey": anyone never insured,
-- lapsed, incomplete, or with a data problem (invalid or conflicting ID, birth date, name; missing contact).
-- A person explained by a survey return in the last 12 months is not listed again (the return updates
-- the ledger: 学生 removes pension should-be; other answers explain the status).
{{ config(
    schema='restricted',
    alias='worklist_persons',
    materialized='period_partition',
    tags=['post_linkage'],
) }}

with persons as (
    select * from {{ ref('int_persons_resolved') }}
    where registration_basis is not null
      and not coalesce(death_date < {{ period_start() }}, false)
),

ledger as (
    select * from {{ ref('person_ledger') }} where period = {{ period() }}
),

status_reasons as (
    select identifier, status || '_' || scheme_group as reason
    from ledger where status in ('never', 'lapsed')
    union all
    select distinct identifier, 'incomplete' from ledger where is_incomplete
),

data_reasons as (
    select identifier, reason
    from persons,
    unnest([
        -- numbers delivered, none valid (as finding invalid_id): a newborn without a number yet is no ID problem
        case when not has_valid_id and has_id_number_delivered then 'invalid_id' end,
        -- no number in any record, and not a newborn still waiting for one: the visit collects it
        case when not has_id_number_delivered and registration_basis is distinct from 'newborn' then 'missing_id' end,
        case when has_id_conflict then 'conflicting_id' end,
        case when has_birth_date_conflict then 'conflicting_birth_date' end,
        case when has_name_conflict then 'conflicting_name' end,
        case when phone is null then 'no_contact' end
    ]) as t(reason)
    where reason is not null
),

reasons as (
    select identifier, list(distinct reason order by reason) as reasons
    from (select * from status_reasons union all select * from data_reasons)
    group by identifier
),

households as (
    select
        p.*,
        r.reasons,
        case
            when p.household_no is not null then 'H:' || p.household_no
            when p.address is not null then 'A:' || coalesce(p.township_code, p.district_code, '') || ':' || p.address
            else 'P:' || p.identifier
        end as household_key
    from persons as p
    inner join reasons as r on r.identifier = p.identifier
),

items as (
    select *, {{ ledger_hash_id('WL', 'household_key') }} as worklist_item_id
    from households
),

explained as (
    -- visited and recorded in the last 12 months: by the person's identifier, or by the item number on the
    -- form with the same name (when linkage did not attach the return to the person)
    select s.identifier, s.survey_form_no, s.name
    from {{ ref('int_survey_returns_linked') }} as s
    where s.period >= strftime({{ period_start() }} - interval 11 month, '%Y-%m')
)

select
    {{ period() }} as period,
    i.worklist_item_id,
    i.identifier,
    i.household_key,
    i.name,
    i.id_number,
    i.birth_date,
    i.gender,
    i.relation_to_head,
    i.phone,
    i.address,
    i.district_code,
    i.township_code,
    i.reasons
from items as i
where not exists (select 1 from explained as e where e.identifier = i.identifier)
  and not exists (select 1 from explained as e
                  where e.survey_form_no = i.worklist_item_id and e.name = i.name)
