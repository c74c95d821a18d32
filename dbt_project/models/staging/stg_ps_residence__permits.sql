{# 市公安局 · 居住证（流动人口）登记: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ps_residence') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
