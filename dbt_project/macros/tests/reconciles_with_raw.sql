{#
  对账检查: for the run's period, raw rows of the source = rows staged + rows quarantined (ingest rejects are
  not in the raw table and are left out). Returns one row when the counts differ.
#}
{% test reconciles_with_raw(model, source_name) %}
with counts as (
    select
        (select count(*) from ({{ raw_period(source_name) }})) as rows_raw,
        (select count(*) from {{ model }} where period = {{ period() }}) as rows_staged,
        (select count(*) from {{ ref('stg_quarantine') }}
          where source = '{{ source_name }}' and period = {{ period() }}
            and not list_has_any(reasons, ['too_many_fields', 'too_few_fields', 'undecodable_bytes'])) as rows_quarantined
)
select * from counts where rows_raw <> rows_staged + rows_quarantined
{% endtest %}
