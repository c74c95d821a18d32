{# 市社会保险局 · 待遇发放: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_si_benefit') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
