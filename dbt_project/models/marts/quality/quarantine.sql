{{ config(materialized='view') }}
{# 隔离数据（对外）: quarantined rows of every period with their reasons and raw values. #}
select source, period, file_name, row_number, reasons, raw_values
from {{ ref('stg_quarantine') }}
