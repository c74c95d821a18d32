{#
  Staging carry-over for the snapshot sources (each month re-delivers the whole registry): a raw row whose
  values equal a row of the previous period's delivery keeps that row's checked result, with the new lineage
  (period, file, row), instead of being normalised and checked again. It is exact, not an approximation: a row
  is carried only when nothing its result depends on can have changed —
  * the same native values (a hash of them), and neither row a repeat within its own delivery (repeats are
    decided per delivery); a model may leave `volatile` columns out of the hash (si_employee's status and
    last paid month change monthly) and recompute the columns made from them (`refresh`);
  * the same staging logic: var `staging_fingerprint`, a hash of the dbt project's models, macros and seeds
    that the Dagster step passes (orchestration/defs/dbt/project.py); a plain dbt run without it checks every
    row;
  * a result that does not depend on the period end (`condition`: an ID birth date up to the previous period
    end, since validity and "birth date in the future" compare with the period end);
  * for sources matched to townships, the same township list in force (`townships_unchanged()`).
  `_checked_period` says when a row was last checked in full. A carry-over base model is a table of the run's
  period only; the previous period's rows are read from the table this build replaces (dbt-duckdb builds the
  new table beside it, then swaps). Re-running a period, or backfilling an older one, finds no previous rows
  there and simply checks every row.
#}

{% macro staging_fingerprint() -%}
    '{{ var("staging_fingerprint", "") }}'
{%- endmacro %}

{# Whether the run says which logic it runs: without a fingerprint nothing says last period's results were made
   by the same logic, so nothing is reused (carry-over here, the name cache in int_person_names). #}
{% macro has_staging_fingerprint() -%}
    {{ return(var('staging_fingerprint', '') != '') }}
{%- endmacro %}

{# Only with a fingerprint, over an existing table that already has the carry-over columns (older warehouses
   get them from this run and carry from the next one). #}
{% macro carry_over_enabled() -%}
    {%- if not (execute and has_staging_fingerprint()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {{ return('_row_hash' in columns) }}
{%- endmacro %}

{# CTEs `keyed` (raw rows + row hash + repeat flag), `carried` (last period's checked rows standing for
   unchanged raw rows, re-keyed, without their flag lists) and `source` (the raw rows left to check); ends
   with a comma. `volatile`: native columns left out of the hash because they change every month for most
   rows (the last paid month); `refresh`: the model's own expressions for the columns derived from them, to
   recompute on carried rows. The flag lists are recomputed for every row (`with_carried` feeds the carried
   rows into the model's final select), so a refreshed column moves its flags too. #}
{% macro carry_over_ctes(source_name, native_columns, raw_relation, condition='true', volatile=[], refresh={}) -%}
{%- set hashed = native_columns | reject('in', volatile) | list -%}
{#- when last period's row `prev` stands for the raw row `k`: `carried` takes these, `source` the rest #}
{%- set takes = 'prev._row_hash = k._row_hash and not k._is_duplicate_row and (' ~ condition ~ ')' -%}
keyed as (
    select
        *,
        md5(to_json(struct_pack(
            {%- for c in hashed %}
            "{{ c }}" := "{{ c }}"{{ ',' if not loop.last }}
            {%- endfor %}
        ))) as _row_hash,
        row_number() over (
            partition by {% for c in native_columns %}"{{ c }}"{{ ', ' if not loop.last }}{% endfor %}
            order by _file, _row_number
        ) > 1 as _is_duplicate_row
    from {{ raw_relation }}
),
{%- if carry_over_enabled() %}

-- last period's checked rows that may stand for a raw row (read twice below, so not materialized: DuckDB would
-- otherwise copy every column of them)
previous_rows as not materialized (
    select * exclude (quarantine_reasons, data_issues)
    from {{ this }}
    where period = {{ previous_period() }}
        and not is_duplicate_row
        and _fingerprint = {{ staging_fingerprint() }}
),

-- one checked row per hash (rows equal but for volatile columns share everything else), the first by record key:
-- a two-column aggregate and a semi join; a window over the whole rows sorted them with every column (5 of the
-- model's 30 s of CPU at 1 M persons). Not materialized: its two readers want different columns.
previous as not materialized (
    select *
    from previous_rows
    where record_key in (select min(record_key) from previous_rows group by _row_hash)
),

carried as (
    select prev.* replace (
        '{{ source_name }}' || '|' || k._period || '|' || k._file || '|' || cast(k._row_number as varchar)
            as record_key,
        k._period as period,
        k._file as file_name,
        cast(k._row_number as integer) as row_number,
        to_json(struct_pack(
            {%- for c in native_columns %}
            "{{ c }}" := k."{{ c }}"{{ ',' if not loop.last }}
            {%- endfor %}
        )) as raw_values
        {%- for column, expr in refresh.items() %},
        {{ expr }} as {{ column }}
        {%- endfor %}
    )
    from keyed as k
    inner join previous as prev on {{ takes }}
),

-- the rows `carried` does not take: the same match against `previous`, anti-joined (reading `carried` here too
-- made DuckDB materialise it with every column, 7.5 of the model's 30 s of CPU)
source as (
    select k.*
    from keyed as k
    anti join previous as prev on {{ takes }}
),
{%- else %}

source as (
    select * from keyed
),
{%- endif %}
{%- endmacro %}

{# The relation the model's final select (the flag lists) reads: its own checked-so-far rows plus the carried
   ones. #}
{% macro with_carried(relation) -%}
{%- if carry_over_enabled() -%}
(select * from {{ relation }} union all by name select * from carried) as {{ relation }}
{%- else -%}
{{ relation }}
{%- endif -%}
{%- endmacro %}
