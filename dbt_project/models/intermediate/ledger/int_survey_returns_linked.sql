-- Household-survey returns (events, every period up to the run's) with identifier.
{{ config(tags=['post_linkage']) }}

select
    s.record_key,
    s.period,
    i.identifier,
    s.survey_form_no,
    s.township_code,
    s.household_address,
    s.survey_date,
    s.id_number,
    s.name,
    s.phone,
    s.employment_status,
    s.pension_answer,
    s.medical_answer,
    s.uninsured_reason,
    s.willing_to_enroll
from {{ ref('stg_survey_returns__visits') }} as s
inner join {{ ref('int_record_identifiers') }} as i on i.record_key = s.record_key
where s.period <= {{ period() }}
