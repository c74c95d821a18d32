-- Pension payments (si_benefit events, every period up to the run's) with identifier.
{{ config(tags=['post_linkage']) }}

select
    b.record_key,
    b.period,
    i.identifier,
    b.id_number,
    b.scheme_code,
    b.benefit_month,
    b.amount,
    b.district_code
from {{ ref('stg_si_benefit__payments') }} as b
inner join {{ ref('int_record_identifiers') }} as i on i.record_key = b.record_key
where b.period <= {{ period() }}
