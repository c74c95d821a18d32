{# Shared pieces of the staging models (models/staging/base/*: one checked row per raw row of the period). #}

{# The raw rows of the run's period. #}
{# A source never delivered has no raw table yet: read an empty relation of the same shape instead of failing,
   so one missing department does not stop the whole staging layer. #}
{% macro raw_period(source_name) -%}
    {%- set rel = source('raw', source_name) -%}
    {%- if execute and adapter.get_relation(rel.database, rel.schema, rel.identifier) is none -%}
        {%- set node = graph.sources['source.canbao.raw.' ~ source_name] -%}
        {{ log('raw.' ~ source_name ~ ' does not exist yet: staging it as empty', info=true) }}
        select
        {%- for c in node.columns if not c.startswith('_') %}
            cast(null as varchar) as "{{ c }}",
        {%- endfor %}
            cast(null as varchar) as _period, cast(null as varchar) as _file, cast(null as integer) as _row_number,
            cast(null as varchar) as _file_hash, cast(null as timestamp) as _loaded_at
        where false
    {%- else -%}
        select * from {{ rel }} where _period = {{ period() }}
    {%- endif -%}
{%- endmacro %}

{# Lineage columns, the raw values as JSON, and whether the row repeats an earlier row of the delivery. #}
{# keyed=true: the relation comes from carry_over_ctes, which decided repeats over the whole delivery. #}
{% macro staging_keys(source_name, native_columns, keyed=false) -%}
    '{{ source_name }}' || '|' || _period || '|' || _file || '|' || cast(_row_number as varchar) as record_key,
    '{{ source_name }}' as source,
    _period as period,
    _file as file_name,
    cast(_row_number as integer) as row_number,
    to_json(struct_pack(
        {%- for c in native_columns %}
        "{{ c }}" := "{{ c }}"{{ ',' if not loop.last }}
        {%- endfor %}
    )) as raw_values,
    {%- if keyed %}
    _is_duplicate_row as is_duplicate_row,
    _row_hash,
    {{ staging_fingerprint() }} as _fingerprint,
    _period as _checked_period
    {%- else %}
    row_number() over (
        partition by {% for c in native_columns %}"{{ c }}"{{ ', ' if not loop.last }}{% endfor %}
        order by _file, _row_number
    ) > 1 as is_duplicate_row
    {%- endif %}
{%- endmacro %}

{# [code for each true condition]: conditions is a list of (sql_condition, code). #}
{% macro flag_list(conditions) -%}
    list_filter([
        {%- for cond, code in conditions %}
        case when {{ cond }} then '{{ code }}' end{{ ',' if not loop.last }}
        {%- endfor %}
    ], lambda x: x is not null)
{%- endmacro %}

{# Person ID columns from a raw ID column: <p>_raw, <p>, and for the main ID the validity/birth/gender. #}
{% macro person_id_columns(raw_expr, prefix='id_number', full=true) -%}
    {{ raw_expr }} as {{ prefix }}_raw,
    {{ id_standardise(raw_expr) }} as {{ prefix }}
    {%- if full %},
    {{ id_was_15(raw_expr) }} as id_was_15
    {%- endif %}
{%- endmacro %}

{# Derived ID facts, computed from an already-standardised id_number column. #}
{% macro id_facts(std='id_number') -%}
    {{ id_is_valid(std, period_end()) }} as id_is_valid,
    {{ id_birth_date(std) }} as id_birth_date,
    {{ id_gender(std) }} as id_gender
{%- endmacro %}

{# Non-fatal ID issues for a row with id_number_raw/id_number/id_was_15 (and optionally stated birth/gender). #}
{% macro id_issue_conditions(birth='null', gender='null') -%}
    {%- set c = [
        ("id_number_raw is not null and trim(id_number_raw) <> '' and id_number is null", 'unrecoverable_id'),
        ("id_number is null and (id_number_raw is null or trim(id_number_raw) = '')", 'missing_id'),
        ("id_number is not null and not " ~ id_check_ok('id_number'), 'bad_check_digit'),
        ("id_number is not null and (" ~ id_birth_date('id_number') ~ " is null or " ~ id_birth_date('id_number')
            ~ " > " ~ period_end() ~ " or " ~ id_birth_date('id_number') ~ " < date '1880-01-01')", 'invalid_birth_date'),
        ("id_number is not null and left(id_number, 2) not in (select province_code from " ~ ref('gbt2260_provinces') ~ ")",
            'unknown_province_prefix'),
        ("id_was_15", 'legacy_15_digit'),
        ("coalesce(" ~ birth ~ " <> " ~ id_birth_date('id_number') ~ ", false)", 'birth_date_conflict'),
        ("coalesce(" ~ gender ~ " in ('1','2') and " ~ gender ~ " <> " ~ id_gender('id_number') ~ ", false)", 'gender_conflict'),
    ] -%}
    {{ return(c) }}
{%- endmacro %}

{# The published columns of a base_* model: drops helper flags (…_unparseable, …_known, …_bad) and the
   quarantine-only columns. #}
{% macro staged_columns() -%}
    columns(lambda c: not list_contains(['raw_values', 'is_duplicate_row', 'quarantine_reasons', 'gender_raw',
                                    'ethnicity_code_raw', 'ethnicity_raw', 'township_abolished', 'is_resident_id',
                                    '_row_hash', '_fingerprint', '_checked_period'], c)
                 and not suffix(c, '_unparseable') and not suffix(c, '_known') and not suffix(c, '_bad'))
{%- endmacro %}

{# A base model's rows as stored: `raw_values` (the delivered row as JSON) is kept for quarantined rows only, the
   one place it is shown (stg_quarantine → marts.quarantine). Kept for every row, it was the widest column of a
   base table, rewritten every month (base_si_employee at 1 M persons: 15–19 s → 11–13 s, write included). #}
{% macro base_rows(relation) -%}
select * replace (case when len(quarantine_reasons) > 0 then raw_values end as raw_values)
from {{ relation }}
{%- endmacro %}
