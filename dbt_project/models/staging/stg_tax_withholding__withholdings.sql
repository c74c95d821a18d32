{# 市地方税务局 · 个人所得税全员全额扣缴明细申报: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_tax_withholding') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
