-- 参保资源基础台账: registered person × scheme group for the run's period (contract "Status per person and
-- scheme group"; rule-by-rule notes in docs/ledger.md).
{{ config(
    materialized='period_partition',
    tags=['post_linkage'],
) }}

with persons as (
    select
        p.*,
        date_diff('year', p.birth_date, {{ period_end() }})
            - case when strftime(p.birth_date, '%m%d') > strftime({{ period_end() }}, '%m%d') then 1 else 0 end
            as age,
        -- dead "from the month after" the death
        coalesce(p.death_date < {{ period_start() }}, false) as is_dead
    from {{ ref('int_persons_resolved') }} as p
    where p.registration_basis is not null
),

groups as (
    select distinct scheme_group from {{ ref('insurance_schemes') }} where scheme_group is not null
),

enrollments as (
    select
        identifier,
        scheme_group,
        list_sort(list(record_key)) as record_keys,
        list_sort(list(record_key) filter (where is_paying)) as paying_keys,
        bool_or(is_paying) as has_paying,
        bool_or(is_active and scheme_code = '310') as has_active_310
    from {{ ref('int_enrollments_linked') }}
    group by identifier, scheme_group
),

pensioners as (
    -- receiving a pension: a payment for one of the last 3 months
    select identifier, list_sort(list(record_key)) as payment_keys
    from {{ ref('int_pension_payments_linked') }}
    where benefit_month between {{ ledger_window_start() }} and {{ period_start() }}
    group by identifier
),

employment as (
    -- employed by a unit: tax withheld in any of the last 3 months, or an employee-scheme record with a
    -- contribution in the last 3 months
    select identifier, list_sort(list(record_key)) as keys
    from (
        select identifier, record_key from {{ ref('int_tax_withholdings_linked') }}
        where tax_month between {{ ledger_window_start() }} and {{ period_start() }}
        union all
        select identifier, record_key from {{ ref('int_enrollments_linked') }}
        where is_employee_scheme and has_recent_contribution
    )
    group by identifier
),

employee_codes as (
    select identifier, count(distinct scheme_code) as held_codes
    from {{ ref('int_enrollments_linked') }}
    where is_employee_scheme and scheme_code in ('110', '210', '310', '410', '510')
    group by identifier
),

students as (
    -- full-time student per the person's latest survey return
    select identifier, record_key
    from {{ ref('int_survey_returns_linked') }}
    qualify row_number() over (partition by identifier order by survey_date desc nulls last, period desc,
                               record_key desc) = 1
      and employment_status = '学生'
),

facts as (
    select
        p.identifier,
        g.scheme_group,
        p.district_code,
        p.township_code,
        p.age,
        p.is_dead,
        p.death_record_key,
        s.record_key as student_key,
        pe.identifier is not null as is_receiving_pension,
        em.identifier is not null as is_employed,
        coalesce(ec.held_codes, 0) as held_codes,
        coalesce(p.age < case when p.gender = '2' then 50 else 60 end, false) as is_below_retirement,
        e.identifier is not null as has_record,
        coalesce(e.has_paying, false) as has_paying,
        coalesce(e.has_active_310, false) as has_active_310,
        e.record_keys,
        e.paying_keys,
        pe.payment_keys,
        em.keys as employment_keys
    from persons as p
    cross join groups as g
    left join enrollments as e on e.identifier = p.identifier and e.scheme_group = g.scheme_group
    left join pensioners as pe on pe.identifier = p.identifier
    left join employment as em on em.identifier = p.identifier
    left join employee_codes as ec on ec.identifier = p.identifier
    left join students as s on s.identifier = p.identifier
),

flags as (
    select
        *,
        case
            when is_dead then false
            when scheme_group = 'pension' then coalesce(age >= 16, false) and student_key is null
            when scheme_group = 'medical' then true
            else is_employed and is_below_retirement
        end as is_should_insure,
        case
            when scheme_group = 'pension' then has_paying or is_receiving_pension
            -- retirees pay no medical premium: a pensioner's active 310 record counts as insured
            when scheme_group = 'medical' then has_paying or (is_receiving_pension and has_active_310)
            else has_paying
        end as is_insured,
        is_employed and held_codes between 1 and 4 as is_incomplete
    from facts
)

select
    {{ period() }} as period,
    identifier,
    scheme_group,
    district_code,
    township_code,
    is_should_insure,
    is_insured,
    is_should_insure and not is_insured and has_record as is_lapsed,
    is_should_insure and not is_insured and not has_record as is_never,
    is_incomplete,
    is_receiving_pension,
    case
        when not is_should_insure then 'not_required'
        when is_insured then 'insured'
        when has_record then 'lapsed'
        else 'never'
    end as status,
    -- record keys behind the status: the group's records (paying ones for insured), pension payments,
    -- and for not_required the death or survey record that removed the obligation
    coalesce(case
        when is_dead then [death_record_key]
        when not is_should_insure and scheme_group = 'pension' and student_key is not null then [student_key]
        when is_insured then list_concat(coalesce(paying_keys, []),
                                         case when scheme_group in ('pension', 'medical')
                                              then coalesce(payment_keys, []) else [] end)
        else record_keys
    end, []) as evidence
from flags
