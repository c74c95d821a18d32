{# 市公安局 · 常住人口（户籍）登记: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ps_hukou') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
