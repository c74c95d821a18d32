-- Person-bearing records in the run's scope (snapshot sources: this period; event sources: every period up
-- to it) with their identifier. The basis of the golden record and of the ID findings.
{{ config(tags=['post_linkage']) }}

select
    r.record_key,
    r.source,
    r.period,
    i.identifier,
    r.id_number_raw,
    r.id_number,
    r.id_is_valid,
    r.name,
    r.birth_date,
    r.birth_date_stated,
    r.gender,
    r.district_code,
    r.township_code,
    r.phone,
    r.address,
    r.household_no,
    r.mother_id_number,
    r.data_issues,
    -- survivorship trust (1 = most trusted for identity attributes): the registers before the
    -- operational systems, self-reported survey answers last
    case r.source
        when 'ps_hukou' then 1 when 'ps_residence' then 2 when 'hfp_vital' then 3
        when 'si_employee' then 4 when 'si_resident' then 5 when 'ca_assistance' then 6
        when 'ca_death' then 7 when 'tax_withholding' then 8 when 'si_benefit' then 9
        else 10 end as identity_trust
from {{ ref('int_person_records') }} as r
inner join {{ linked_identifiers(scope='ledger') }} as i on i.record_key = r.record_key
where {{ ledger_in_scope('r.source', 'r.period') }}
