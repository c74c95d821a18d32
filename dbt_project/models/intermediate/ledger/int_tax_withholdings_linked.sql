-- Income-tax withholdings (events, every period up to the run's) with identifier and employer key
-- (the withholding agent's id is a credit code or a legacy registration number: see int_employers_keyed).
{{ config(tags=['post_linkage']) }}

select
    t.record_key,
    t.period,
    i.identifier,
    t.id_number,
    t.employer_tax_id,
    t.employer_name,
    coalesce(k.employer_key, t.employer_tax_id) as employer_key,
    t.tax_month,
    t.income
from {{ ref('stg_tax_withholding__withholdings') }} as t
inner join {{ ref('int_record_identifiers') }} as i on i.record_key = t.record_key
left join {{ ref('int_employers_keyed') }} as k
    on k.alias = t.employer_tax_id and k.alias_type in ('credit_code', 'registration_no')
where t.period <= {{ period() }}
