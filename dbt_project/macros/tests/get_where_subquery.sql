{#
  Data tests on a period_partition model test the run's period only (its partition column = the run's period),
  unless the test sets its own `where`. Earlier partitions were tested by the runs that built them and a run
  rewrites only its own; testing every partition made each month's tests cost more than the last (at 1 M
  persons, two periods doubled the scans of the routine's tests). Found by dispatch: dbt's generic tests call
  get_where_subquery(model), and the root project's duckdb__ implementation comes first.
#}
{% macro duckdb__get_where_subquery(relation) -%}
    {%- set ns = namespace(where=config.get('where', '')) -%}
    {%- if not ns.where and execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model'
                  and node.config.materialized == 'period_partition'
                  and (node.alias or node.name) | lower == relation.identifier | lower
                  and node.schema | lower == relation.schema | lower -%}
                {%- set ns.where = adapter.quote(node.config.get('partition_column', 'period')) ~ ' = ' ~ period() -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if ns.where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ ns.where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
