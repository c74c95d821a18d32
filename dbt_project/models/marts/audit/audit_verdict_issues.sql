-- 核查结果问题: verdicts set aside from the estimates, with the reason (for quarantine / follow-up).
{{ config(tags=['post_sampling']) }}

select
    record_key,
    period,
    sample_id,
    issue as reason,
    verdict,
    sample_period,
    district_code,
    has_conflicting_verdicts
from {{ ref('int_audit_verdicts_checked') }}
where issue is not null
