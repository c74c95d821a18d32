{{ config(
    materialized='period_partition',
) }}
{#
  个人记录（联接输入）: one row per person-bearing staged row of the period, in one shape for linkage.
  Births: the newborn is the person (no ID yet), the mother's ID goes to mother_id_number.
  Resolved birth date/gender: a valid ID's, else the stated one, else what an invalid ID still says.
#}
{%- set person_sources = person_sources() -%}
with records as (
    {%- for model, c in person_sources.items() %}
    select
        record_key, source, period, file_name, row_number,
        id_number_raw, id_number, id_is_valid, id_was_15, id_birth_date, id_gender,
        name_raw, name,
        cast({{ c.get('birth', 'null') }} as date) as birth_date_stated,
        cast({{ c.get('gender', 'null') }} as varchar) as gender_stated,
        cast({{ c.get('district', 'district_code') }} as varchar) as district_code,
        cast({{ c.get('township', 'null') }} as varchar) as township_code,
        cast({{ c.get('phone', 'null') }} as varchar) as phone,
        cast({{ c.get('address', 'null') }} as varchar) as address,
        cast({{ c.get('household', 'null') }} as varchar) as household_no,
        cast({{ c.get('mother', 'null') }} as varchar) as mother_id_number,
        data_issues
    from {{ ref(model) }}
    where period = {{ period() }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select
    r.record_key,
    r.source,
    r.period,
    r.file_name,
    r.row_number,
    r.id_number_raw,
    r.id_number,
    r.id_is_valid,
    r.id_was_15,
    r.id_birth_date,
    r.id_gender,
    r.name_raw,
    n.name_std as name,
    n.name_pinyin,
    n.surname,
    n.given_name,
    coalesce(case when r.id_is_valid then r.id_birth_date end, r.birth_date_stated, r.id_birth_date) as birth_date,
    r.birth_date_stated,
    coalesce(case when r.id_is_valid then r.id_gender end, nullif(r.gender_stated, '9'), r.id_gender,
             r.gender_stated) as gender,
    r.district_code,
    r.township_code,
    r.phone,
    r.address,
    r.household_no,
    r.mother_id_number,
    r.data_issues
from records as r
left join {{ ref('int_person_names') }} as n on n.name = r.name
