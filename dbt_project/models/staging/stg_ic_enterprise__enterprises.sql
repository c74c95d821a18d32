{# 市工商局 · 市场主体登记: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ic_enterprise') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
