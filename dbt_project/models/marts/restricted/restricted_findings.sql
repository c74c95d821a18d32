-- 问题线索 (full ID numbers; restricted): contract "Duplicates and leaks the platform must surface", each
-- routed to the department that must act. One row per period × finding (finding_id is stable across periods
-- for the same problem). marts.findings is the masked copy for analysts.
{{ config(
    schema='restricted',
    alias='findings',
    materialized='period_partition',
    tags=['post_linkage'],
) }}

with enrollments as (
    -- the valid number only: a typo on one record is not a second number of the person's
    select e.*, case when r.id_is_valid then e.id_number end as valid_id_number
    from {{ ref('int_enrollments_linked') }} as e
    left join {{ ref('int_ledger_records') }} as r on r.record_key = e.record_key
),

persons as (
    select * from {{ ref('int_persons_resolved') }}
),

-- 重复参保: active in 110 and 170, or 310 and 390, at once; or one scheme under two active records that
-- differ by district or ID number (resident schemes: any two records — one person, one resident account).
-- Findings are rare: the groups that qualify are found with counts first, and the evidence lists and texts
-- built for those groups only (built for every group, they were half of the model's time at 1 M persons).
-- Texts taken from one of several records use min(), not any_value(): the same finding reads the same on a
-- re-run.
dup_enrollment_groups as (
    select identifier, scheme_group, count(distinct scheme_code) > 1 as two_schemes
    from enrollments
    where is_active
    group by identifier, scheme_group
    having case when scheme_group in ('pension', 'medical') then
            count(distinct scheme_code) > 1
            or (count(*) filter (where not is_employee_scheme) > 1)
            or (count(*) filter (where is_employee_scheme) > 1
                and (count(distinct district_code) > 1 or count(distinct valid_id_number) > 1))
        else count(*) > 1 and (count(distinct district_code) > 1 or count(distinct valid_id_number) > 1) end
),

dup_enrollment as (
    select
        e.identifier,
        'duplicate_enrollment' as finding_type,
        case when g.two_schemes and e.scheme_group in ('pension', 'medical') then 'employee_and_resident_scheme'
             else 'two_records_one_scheme' end as finding_subtype,
        e.scheme_group as subject,
        list_sort(list(e.record_key)) as evidence,
        'social_insurance' as department,
        string_agg(e.scheme_code || '@' || coalesce(e.district_code, '?'), ', ' order by e.record_key) as detail
    from enrollments as e
    inner join dup_enrollment_groups as g on g.identifier = e.identifier and g.scheme_group = e.scheme_group
    where e.is_active
    group by e.identifier, e.scheme_group, g.two_schemes
),

-- 重复补贴: government-paid resident premium (ZZLB ≠ 0) without the matching entitlement, or paid twice.
-- Entitlements: seed ledger_subsidy_entitlements (低保 ↔ 城市/农村低保, 特困供养 ↔ 特困供养 in ca_assistance).
-- 重度残疾 (3): no disability register is delivered, so nothing can match it and, as written, it is flagged.
assistance as (
    select i.identifier, list(distinct a.assistance_type) as types, list(a.record_key) as keys
    from {{ ref('stg_ca_assistance__recipients') }} as a
    inner join {{ ref('int_record_identifiers') }} as i on i.record_key = a.record_key
    where a.period = {{ period() }}
    group by i.identifier
),

subsidies as (
    select e.*, a.types as assistance_types, a.keys as assistance_keys
    from enrollments as e
    left join assistance as a on a.identifier = e.identifier
    where not e.is_employee_scheme and e.is_active and coalesce(e.subsidy_category, '0') <> '0'
),

dup_subsidy as (
    select s.identifier, 'duplicate_subsidy', 'no_entitlement', s.scheme_code,
           list_sort(list(s.record_key)), 'civil_affairs',
           'ZZLB=' || min(s.subsidy_category)
    from subsidies as s
    where not exists (
        select 1 from {{ ref('ledger_subsidy_entitlements') }} as m
        where m.subsidy_category = s.subsidy_category
          and list_contains(coalesce(s.assistance_types, []), m.assistance_type))
    group by s.identifier, s.scheme_code
    union all
    -- paid twice = two subsidised records of one scheme: a duplicate the SI agency must merge (contract
    -- routing: social insurance agencies handle duplicates; civil affairs only the entitlement question)
    select identifier, 'duplicate_subsidy', 'paid_twice', scheme_code,
           list_sort(list(record_key)), 'social_insurance', count(*) || ' subsidised records'
    from subsidies
    group by identifier, scheme_code
    having count(*) > 1
),

-- 重复领取待遇: pension paid from 110 and 170 for the same month, or in two districts; any payment for a
-- month after death (死亡冒领). Triggered by the period's deliveries, compared with all payments so far.
payments as (
    select * from {{ ref('int_pension_payments_linked') }}
),

-- only the (person, month) groups the period's deliveries touch are grouped: grouping every payment so far
-- and keeping the touched groups afterwards cost more each month
month_dups as (
    select p.identifier, p.benefit_month,
           count(distinct p.scheme_code) > 1 as two_schemes,
           count(distinct p.district_code) > 1 as two_districts,
           list_sort(list(p.record_key)) as keys
    from payments as p
    semi join (
        select distinct identifier, benefit_month from payments where period = {{ period() }}
    ) as touched
        on touched.identifier = p.identifier and touched.benefit_month is not distinct from p.benefit_month
    group by p.identifier, p.benefit_month
    having count(distinct p.scheme_code) > 1 or count(distinct p.district_code) > 1
),

dup_benefit as (
    select identifier, 'duplicate_benefit',
           case when two_schemes then 'two_schemes_same_month' else 'two_districts_same_month' end,
           strftime(benefit_month, '%Y-%m'), keys, 'social_insurance', 'benefit month ' || strftime(benefit_month, '%Y-%m')
    from month_dups
    union all
    select p.identifier, 'duplicate_benefit', 'payment_after_death', strftime(p.benefit_month, '%Y-%m'),
           list_sort(list(p.record_key)) || [any_value(d.death_record_key)], 'social_insurance',
           'death ' || cast(any_value(d.death_date) as varchar) || ', paid for ' || strftime(p.benefit_month, '%Y-%m')
    from payments as p
    inner join persons as d on d.identifier = p.identifier
    where p.period = {{ period() }}
      and d.death_date is not null
      and p.benefit_month > date_trunc('month', d.death_date)
    group by p.identifier, p.benefit_month
),

-- Employer gaps: tax withheld in the period by an employer for someone holding no active employee
-- insurance record with that employer (employers keyed by credit code, legacy 注册号 via ic_enterprise).
employer_gap as (
    select t.identifier, 'employer_gap', 'no_employee_insurance', t.employer_key,
           list_sort(list(t.record_key)), 'tax', min(t.employer_name)
    from {{ ref('int_tax_withholdings_linked') }} as t
    where t.period = {{ period() }}
      and not exists (
        select 1 from enrollments as e
        where e.identifier = t.identifier and e.is_employee_scheme and e.is_active
          and e.employer_key = t.employer_key)
    group by t.identifier, t.employer_key
),

-- ID-number problems (public security): a person none of whose in-scope records carries a valid number;
-- one valid number used by several identifiers (several people).
records as (
    select * from {{ ref('int_ledger_records') }}
),

invalid_ids as (
    -- a record delivered without a number (a newborn's birth report) is not an ID problem
    select identifier
    from records
    group by identifier
    having not bool_or(coalesce(id_is_valid, false)) and count(nullif(trim(id_number_raw), '')) > 0
),

invalid_id as (
    select r.identifier, 'id_problem', 'invalid_id', 'id_number',
           list_sort(list(r.record_key)), 'public_security', 'no valid ID number in any record',
           min(nullif(trim(r.id_number_raw), ''))
    from records as r
    semi join invalid_ids as i on i.identifier = r.identifier
    group by r.identifier
),

shared_numbers as (
    select id_number, list(distinct identifier) as identifiers
    from records
    where id_is_valid
    group by id_number
    having count(distinct identifier) > 1
),

shared_id as (
    select r.identifier, 'id_problem', 'shared_id_number', 'id_number',
           list_sort(list(r.record_key)), 'public_security',
           max(len(s.identifiers)) || ' identifiers share this number', min(r.id_number)
    from records as r
    inner join shared_numbers as s on s.id_number = r.id_number
    group by r.identifier
),

valid_own_numbers as (
    -- one person under several valid numbers (re-issued number): public security must confirm which holds.
    -- A number other identifiers also carry is the other error shape (several people under one number,
    -- shared_id above), not a second number of this person's: it does not count here.
    select identifier, id_number, record_key
    from records
    where id_is_valid
      and id_number not in (select id_number from shared_numbers)
),

two_numbers as (
    select identifier, 'id_problem', 'two_numbers', 'id_number', list_sort(list(record_key)),
           'public_security', count(distinct id_number) || ' valid numbers', min(id_number)
    from valid_own_numbers
    where identifier in (
        select identifier from valid_own_numbers group by identifier having count(distinct id_number) > 1)
    group by identifier
),

all_findings (identifier, finding_type, finding_subtype, subject, evidence, department, detail, finding_id_number) as (
    select *, null from dup_enrollment
    union all select *, null from dup_subsidy
    union all select *, null from dup_benefit
    union all select *, null from employer_gap
    union all select * from invalid_id
    union all select * from shared_id
    union all select * from two_numbers
)

select
    {{ period() }} as period,
    {{ ledger_hash_id('F', "f.finding_type || '|' || f.finding_subtype || '|' || f.identifier || '|' || f.subject") }}
        as finding_id,
    f.finding_type,
    f.finding_subtype,
    f.department,
    f.identifier,
    p.name,
    coalesce(f.finding_id_number, p.id_number) as id_number,
    p.district_code,
    p.township_code,
    f.subject,
    f.detail,
    f.evidence
from all_findings as f
left join persons as p on p.identifier = f.identifier
