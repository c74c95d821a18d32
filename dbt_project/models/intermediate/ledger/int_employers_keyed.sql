-- Employer crosswalk: every identifier an employer is known by (unified social credit code, legacy 15-digit
-- 注册号, the 9-character organisation code inside the credit code, exact name) → one employer_key, the credit
-- code where the enterprise register has one.
-- Tax withholding carries the credit code or, before an employer converted, its legacy tax id (税务登记号 =
-- region code + organisation code), which the register does not list: it is keyed through the organisation
-- code once the register has the credit code, else through the withholding agent's name.
-- SI employee records carry a credit code or only the name.
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
    -- GB 32100: characters 9-17 of the credit code are the GB 11714 organisation code
    select substr(credit_code, 9, 9), employer_key, 'org_code' from enterprises where length(credit_code) = 18
    union all
    select enterprise_name, employer_key, 'name' from enterprises where enterprise_name is not null
)

-- an alias shared by two enterprises (a re-used name) cannot key an employer: drop it
select alias, alias_type, any_value(employer_key) as employer_key
from aliases
group by alias, alias_type
having count(distinct employer_key) = 1
