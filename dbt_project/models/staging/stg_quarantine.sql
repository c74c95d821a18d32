{#
  隔离区: every raw row of the period that could not be staged, with its reasons (quarantine_reasons seed) and
  its raw values as JSON, plus the rows ingest could not even split into fields (raw._ingest_rejects).
  Together with the staging models this covers every raw row exactly once.
#}
{%- set sources = ['si_employee', 'si_resident', 'si_benefit', 'ps_hukou', 'ps_residence', 'hfp_vital', 'ca_death',
                   'ca_assistance', 'ca_divisions', 'ic_enterprise', 'tax_withholding', 'survey_returns',
                   'audit_verdicts'] -%}
{%- for s in sources %}
select record_key, source, period, file_name, row_number, quarantine_reasons as reasons, raw_values
from {{ ref('base_' ~ s) }}
where period = {{ period() }} and len(quarantine_reasons) > 0
union all
{%- endfor %}
select
    r.source || '|' || r.period || '|' || r.file || '|' || cast(r.row_number as varchar) as record_key,
    r.source,
    r.period,
    r.file as file_name,
    cast(r.row_number as integer) as row_number,
    [r.reason] as reasons,
    to_json({'raw_line': r.raw_line, 'message': r.message}) as raw_values
from {{ source('raw', '_ingest_rejects') }} as r
where r.period = {{ period() }}
