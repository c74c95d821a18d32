{# 市民政局 · 最低生活保障 / 特困人员供养: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_ca_assistance') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
