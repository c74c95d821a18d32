-- Insurance records of the period (si_employee + si_resident snapshots) with identifier, scheme group and
-- the contract's "recent contribution" test:
--   employee schemes: last contribution within the last 3 months (months P-2..P);
--   resident schemes: last contribution in the current or previous year.
{{ config(tags=['post_linkage']) }}

with employee as (
    select
        e.record_key, e.source, e.id_number, e.scheme_code, e.contribution_status,
        e.district_code, cast(null as varchar) as township_code,
        e.employer_no, e.employer_name, e.employer_credit_code,
        e.last_paid_month, cast(null as integer) as last_paid_year,
        cast(null as varchar) as subsidy_category,
        e.enrolled_date,
        coalesce(e.last_paid_month >= {{ ledger_window_start() }}
                 and e.last_paid_month <= {{ period_start() }}, false) as has_recent_contribution,
        e.last_paid_month as last_paid_date
    from {{ ref('stg_si_employee__enrollments') }} as e
    where e.period = {{ period() }}
),

resident as (
    select
        r.record_key, r.source, r.id_number, r.scheme_code, r.contribution_status,
        r.district_code, r.township_code,
        null, null, null,
        cast(null as date), r.last_paid_year,
        r.subsidy_category,
        r.enrolled_date,
        coalesce(r.last_paid_year >= year({{ period_start() }}) - 1
                 and r.last_paid_year <= year({{ period_start() }}), false),
        make_date(r.last_paid_year, 12, 31)
    from {{ ref('stg_si_resident__enrollments') }} as r
    where r.period = {{ period() }}
),

records as (
    select * from employee
    union all
    select * from resident
)

select
    r.record_key,
    r.source,
    i.identifier,
    r.id_number,
    r.scheme_code,
    s.scheme_group,
    r.source = 'si_employee' as is_employee_scheme,
    r.contribution_status,
    r.contribution_status = '1' as is_active,
    r.has_recent_contribution,
    r.contribution_status = '1' and r.has_recent_contribution as is_paying,
    r.district_code,
    r.township_code,
    r.employer_no,
    r.employer_name,
    -- credit code as delivered, else the enterprise register's key for the employer's name
    coalesce(ek.employer_key, r.employer_credit_code, en.employer_key) as employer_key,
    r.last_paid_month,
    r.last_paid_year,
    r.last_paid_date,
    r.enrolled_date,
    r.subsidy_category
from records as r
inner join {{ linked_identifiers(['si_employee', 'si_resident'], 'period') }} as i on i.record_key = r.record_key
left join {{ ref('insurance_schemes') }} as s on s.scheme_code = r.scheme_code
left join {{ ref('int_employers_keyed') }} as ek
    on ek.alias = r.employer_credit_code and ek.alias_type = 'credit_code'
left join {{ ref('int_employers_keyed') }} as en
    on en.alias = r.employer_name and en.alias_type = 'name'
