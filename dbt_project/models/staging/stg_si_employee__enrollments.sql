{# 市社会保险局 · 城镇职工"五险合一"经办系统: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_si_employee') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
