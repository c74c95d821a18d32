-- Income-tax withholdings (events, every period up to the run's) with identifier and employer key
-- (the withholding agent's id is a credit code or a legacy tax id: see int_employers_keyed). Key order: the
-- id as a credit code or 注册号, the organisation code inside a 15-character legacy tax id, the agent's
-- exact name; an employer none of these finds keeps its raw id (and can match no insurance record).
{{ config(tags=['post_linkage']) }}

select
    t.record_key,
    t.period,
    i.identifier,
    t.id_number,
    t.employer_tax_id,
    t.employer_name,
    coalesce(k.employer_key, o.employer_key, n.employer_key, t.employer_tax_id) as employer_key,
    t.tax_month,
    t.income
from {{ ref('stg_tax_withholding__withholdings') }} as t
inner join {{ ref('int_record_identifiers') }} as i on i.record_key = t.record_key
left join {{ ref('int_employers_keyed') }} as k
    on k.alias = t.employer_tax_id and k.alias_type in ('credit_code', 'registration_no')
left join {{ ref('int_employers_keyed') }} as o
    on length(t.employer_tax_id) = 15 and o.alias = right(t.employer_tax_id, 9) and o.alias_type = 'org_code'
left join {{ ref('int_employers_keyed') }} as n
    on n.alias = t.employer_name and n.alias_type = 'name'
where t.period <= {{ period() }}
