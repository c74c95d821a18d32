-- 参保人员主记录 (golden record) for analysts: one row per identifier, ID number and phone masked.
{{ config(tags=['post_linkage']) }}

select
    period,
    identifier,
    name,
    {{ ledger_mask_id('id_number') }} as id_number_masked,
    has_valid_id,
    birth_date,
    gender,
    ethnicity,
    district_code,
    township_code,
    district_basis,
    household_no,
    address,
    {{ ledger_mask_phone('phone') }} as phone_masked,
    death_date,
    hukou_status,
    registration_basis,
    is_registered,
    sources_seen
from {{ ref('restricted_persons') }}
