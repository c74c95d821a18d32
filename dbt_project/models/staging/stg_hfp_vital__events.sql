{# 市卫生计生委 · 出生医学证明 / 死亡医学证明: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_hfp_vital') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
