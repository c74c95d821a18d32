-- 参保人员主记录 with full ID number and phone (restricted: worklists and department extracts only).
{{ config(schema='restricted', alias='persons', tags=['post_linkage']) }}

select
    {{ period() }} as period,
    identifier,
    name,
    id_number,
    has_valid_id,
    birth_date,
    gender,
    ethnicity,
    district_code,
    township_code,
    district_basis,
    household_no,
    relation_to_head,
    address,
    phone,
    death_date,
    hukou_status,
    registration_basis,
    registration_basis is not null as is_registered,
    has_name_conflict,
    has_id_conflict,
    has_birth_date_conflict,
    sources_seen
from {{ ref('int_persons_resolved') }}
