{#
  dbt's is_incremental(), extended to the project's period_partition materialization (macros/period_partition.sql):
  its table keeps the earlier periods, so a model's incremental branch reads them the same way.
#}
{% macro is_incremental() %}
    {% if not execute %}
        {{ return(False) }}
    {% endif %}
    {% set relation = adapter.get_relation(this.database, this.schema, this.table) %}
    {{ return(relation is not none
              and relation.type == 'table'
              and model.config.materialized in ('incremental', 'period_partition')
              and not should_full_refresh()) }}
{% endmacro %}
