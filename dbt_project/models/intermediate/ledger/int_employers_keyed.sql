-- Employer crosswalk: every identifier an employer is known by (unified social credit code, legacy 15-digit
-- 注册号, exact name) → one employer_key, the credit code where the enterprise register has one.
-- Tax withholding carries either code; SI employee records a credit code or only the name.
{{ config(tags=['post_linkage']) }}

with enterprises as (
    select
        credit_code,
        registration_no,
        enterprise_name,
        coalesce(credit_code, 'REG:' || registration_no) as employer_key
    from {{ ref('stg_ic_enterprise__enterprises') }}
    where period = {{ period() }}
      and coalesce(credit_code, registration_no) is not null
),

aliases as (
    select credit_code as alias, employer_key, 'credit_code' as alias_type from enterprises
    where credit_code is not null
    union all
    select registration_no, employer_key, 'registration_no' from enterprises where registration_no is not null
    union all
    select enterprise_name, employer_key, 'name' from enterprises where enterprise_name is not null
)

-- an alias shared by two enterprises (a re-used name) cannot key an employer: drop it
select alias, alias_type, any_value(employer_key) as employer_key
from aliases
group by alias, alias_type
having count(distinct employer_key) = 1
