{# 市社会保险局 · 城乡居民养老/医疗经办系统: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_si_resident') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
