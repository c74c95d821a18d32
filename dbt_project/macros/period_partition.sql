{#
  period_partition: a table holding one partition per period (column `partition_column`, default `period`); a
  run deletes its own period's rows and inserts the model's rows straight into the table, in one transaction.

  Why not incremental delete+insert: dbt-duckdb first builds the new rows into a temporary table and then
  copies them over, and in the monthly routine at 1 M persons that copy was most of the cost (int_person_records:
  2.6 s temp table + 6.6 s insert vs 6.3 s inserting directly; the first period, a plain CREATE TABLE AS, never
  paid it). The model's SELECT runs after the delete, so an incremental branch (`is_incremental()`, extended to
  this materialization in macros/is_incremental.sql) may read {{ this }} without its own period's old rows.

  Columns: new ones are added to the table (on_schema_change append_new_columns); the insert is BY NAME, so a
  column the model no longer selects stays NULL. First build or --full-refresh: CREATE TABLE AS (contracts apply).
#}
{% materialization period_partition, adapter='duckdb' %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set partition_column = config.get('partition_column', 'period') -%}
  {%- set rebuild = existing_relation is none or existing_relation.is_view or should_full_refresh() -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  -- `BEGIN` happens here:
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% if rebuild %}
    {% if existing_relation is not none %}
      {{ adapter.drop_relation(existing_relation) }}
    {% endif %}
    {% call statement('main') -%}
      {{ create_table_as(False, target_relation, compiled_code) }}
    {%- endcall %}
  {% else %}
    {% if config.get('contract', {}).enforced %}
      {{ get_assert_columns_equivalent(compiled_code) }}
    {% endif %}
    {%- set have = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | map('lower') | list -%}
    {%- set added = [] -%}
    {%- for column in get_column_schema_from_query(compiled_code) -%}
      {%- if column.name | lower not in have -%}{%- do added.append(column) -%}{%- endif -%}
    {%- endfor -%}
    {% if added %}
      {% do alter_relation_add_remove_columns(target_relation, added, none) %}
    {% endif %}
    {% call statement('main') -%}
      delete from {{ target_relation }} where {{ adapter.quote(partition_column) }} = {{ period() }};
      insert into {{ target_relation }} by name
      select * from (
        {{ compiled_code }}
      ) as model_subq;
    {%- endcall %}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  -- `COMMIT` happens here
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#
  An incremental branch's filter for a model derived from a per-period source: `column` (the source's period)
  names a period this table does not hold in `partition_column` — the run's own (its old rows are deleted
  before the SELECT runs) or one whose build never ran — so earlier periods are not read again. The column is
  passed, not read from the config, because unit tests do not see the model's config; it is qualified, so a
  wrong name fails instead of binding to the outer query's column.
#}
{% macro period_not_in_this(column, partition_column) -%}
    {{ column }} not in (select distinct held.{{ partition_column }} from {{ this }} as held)
{%- endmacro %}
