{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='name',
    on_schema_change='append_new_columns',
) }}
{#
  姓名读音缓存 (name cache): each staged name once, with what the Python UDFs (plugin canbao.dbt_plugin) make of
  it. A month re-delivers almost every name of the month before, and a Python call per distinct name was most
  of int_person_records' time, so a run computes only the names the cache lacks. An entry is reused only when
  it was computed by the same logic: `_fingerprint` is the Dagster step's `staging_fingerprint` var, which
  hashes the dbt project and the UDFs' code (orchestration/defs/dbt/project.py); a plain dbt run without the
  var recomputes every name of the period.
#}
with period_names as (
    {%- for model in person_sources() %}
    select distinct name from {{ ref(model) }} where period = {{ period() }} and name is not null
    {{ 'union' if not loop.last }}
    {%- endfor %}
),

missing as (
    select p.name
    from period_names as p
    {%- if is_incremental() and has_staging_fingerprint() %}
    anti join (select name from {{ this }} where _fingerprint = {{ staging_fingerprint() }}) as cached
        on cached.name = p.name
    {%- endif %}
)

select
    name,
    canbao_name(name) as name_std,
    canbao_pinyin(name) as name_pinyin,
    canbao_surname(name) as surname,
    canbao_given_name(name) as given_name,
    {{ staging_fingerprint() }} as _fingerprint
from missing
