{# 市民政局 · 行政区划（乡镇街道）代码表: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ca_divisions') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
