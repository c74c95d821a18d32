{# 乡镇（街道）社会保障服务平台 · 入户调查登记表: the period's rows that passed every fatal check (failures: stg_quarantine). #}
select {{ staged_columns() }}
from {{ ref('base_survey_returns') }}
where period = {{ period() }} and len(quarantine_reasons) = 0
