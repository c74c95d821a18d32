{# 市民政局 · 殡葬（火化）记录: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ca_death') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
