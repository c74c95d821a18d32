{{ config(materialized='view') }}
{#
  对账: per delivered file, rows read vs staged + quarantined. A view so it reflects raw._deliveries at once,
  including deliveries refused whole (status rejected) or skipped as duplicate files, with their message.
  status: ok | mismatch (rows lost or double-counted) | rejected | duplicate_file.
#}
{%- set staged = ['stg_si_employee__enrollments', 'stg_si_resident__enrollments', 'stg_si_benefit__payments',
                  'stg_ps_hukou__residents', 'stg_ps_residence__permits', 'stg_hfp_vital__events',
                  'stg_ca_death__records', 'stg_ca_assistance__recipients', 'stg_ca_divisions__townships',
                  'stg_ic_enterprise__enterprises', 'stg_tax_withholding__withholdings',
                  'stg_survey_returns__visits', 'stg_audit_verdicts__verdicts'] -%}
with staged as (
    {%- for m in staged %}
    select source, period, file_name, count(*) as n from {{ ref(m) }} group by all
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

quarantined as (
    select source, period, file_name, count(*) as n from {{ ref('stg_quarantine') }} group by all
),

deliveries as (
    select
        source, period, file, status, message,
        -- rows_in: every data row ingest saw (loaded + rejected at ingest); blank rows are not rows.
        coalesce(rows_loaded, 0) + coalesce(rows_rejected, 0) as rows_in
    from {{ source('raw', '_deliveries') }}
)

select
    d.source,
    d.period,
    d.file as file_name,
    d.rows_in,
    coalesce(s.n, 0) as rows_staged,
    coalesce(q.n, 0) as rows_quarantined,
    case
        when d.status in ('rejected', 'duplicate_file') then d.status
        when d.rows_in = coalesce(s.n, 0) + coalesce(q.n, 0) then 'ok'
        else 'mismatch'
    end as status,
    case
        when d.status in ('rejected', 'duplicate_file') then d.message
        when d.rows_in <> coalesce(s.n, 0) + coalesce(q.n, 0) then
            'rows_in ' || d.rows_in || ' <> staged ' || coalesce(s.n, 0) || ' + quarantined ' || coalesce(q.n, 0)
        else d.message
    end as message
from deliveries as d
left join staged as s on s.source = d.source and s.period = d.period and s.file_name = d.file
left join quarantined as q on q.source = d.source and q.period = d.period and q.file_name = d.file
