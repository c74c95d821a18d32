-- 核查结果校验: every audit verdict delivered up to the run's period, matched to the sample it names.
-- Unusable verdicts: the sample id was never issued (unknown_sample_id), or the sample already has an earlier
-- verdict (duplicate_verdict: the first delivered — earliest audit date, then period, then row — is kept).
{{ config(schema='intermediate', tags=['post_sampling']) }}

with verdicts as (
    select * from {{ ref('stg_audit_verdicts__verdicts') }} where period <= {{ period() }}
),

samples as (
    select sample_id, period as sample_period, district_code, stratum, identifier, scheme_group
    from {{ source('audit', 'audit_samples') }}
),

ranked as (
    select
        v.record_key,
        v.period,
        v.sample_id,
        v.audit_method,
        v.verdict,
        v.mismatched_fields,
        v.auditor_no,
        v.audit_date,
        s.sample_period,
        s.district_code,
        s.stratum,
        s.identifier,
        s.scheme_group,
        s.sample_id is not null as is_known_sample,
        row_number() over (
            partition by v.sample_id order by v.audit_date nulls last, v.period, v.record_key
        ) as verdict_rank,
        min(v.verdict) over (partition by v.sample_id) <> max(v.verdict) over (partition by v.sample_id)
            as has_conflicting_verdicts
    from verdicts as v
    left join samples as s on s.sample_id = v.sample_id
)

select
    record_key,
    period,
    sample_id,
    audit_method,
    verdict,
    mismatched_fields,
    auditor_no,
    audit_date,
    sample_period,
    district_code,
    stratum,
    identifier,
    scheme_group,
    is_known_sample,
    cast(verdict_rank as integer) as verdict_rank,
    has_conflicting_verdicts,
    case when not is_known_sample then 'unknown_sample_id'
         when verdict_rank > 1 then 'duplicate_verdict' end as issue,
    is_known_sample and verdict_rank = 1 as is_usable,
    verdict in ('不一致', '查无此人') as is_error
from ranked
