{# 市人力社保局 · 抽检核查结果: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_audit_verdicts') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
