-- 参保标识变更历史, published from linkage.identifier_history up to the run's period.
{{ config(tags=['post_linkage']) }}

select identifier, event, other_identifier, period, run_id
from {{ source('linkage', 'identifier_history') }}
where period <= {{ period() }}
