-- 区县运行评估: per district and period, coverage against target and its change, data quality, survey progress
-- and the audit error rate, scored with the published weights (seed evaluation_weights) and ranked.
-- Components are shares in [0, 1]; a component without data (no survey issued, no audit yet) is left out and
-- the weights renormalised over the rest. Formula and weights: docs/audit.md.
{{ config(
    materialized='period_partition',
    tags=['post_sampling'],
) }}

{%- set groups = ['pension', 'medical', 'unemployment', 'work_injury', 'maternity'] %}
{%- set person_sources = ['si_employee', 'si_resident', 'si_benefit', 'ps_hukou', 'ps_residence', 'hfp_vital',
                          'ca_death', 'ca_assistance', 'tax_withholding', 'survey_returns'] %}

with districts as (
    select district_code, district_name, coalesce(is_pilot, false) as is_pilot from {{ ref('districts') }}
),

coverage as (
    select period, district_code, scheme_group, rate, target
    from {{ ref('coverage') }}
    where level = 'district' and period <= {{ period() }}
),

previous_period as (
    select max(period) as period from coverage where period < {{ period() }}
),

coverage_now as (
    select
        c.district_code,
        {%- for g in groups %}
        max(c.rate) filter (where c.scheme_group = '{{ g }}') as coverage_{{ g }},
        max(c.target) filter (where c.scheme_group = '{{ g }}') as target_{{ g }},
        max(c.rate - p.rate) filter (where c.scheme_group = '{{ g }}') as coverage_change_{{ g }},
        {%- endfor %}
        avg(least(1.0, c.rate / nullif(c.target, 0))) as coverage_attainment,
        avg(c.rate - p.rate) as coverage_change
    from coverage as c
    left join coverage as p
        on p.period = (select period from previous_period)
        and p.district_code = c.district_code and p.scheme_group = c.scheme_group
    where c.period = {{ period() }}
    group by c.district_code
),

records as (
    select district_code, count(*) as person_records, count(*) filter (where id_is_valid) as valid_id_records
    from {{ ref('int_person_records') }}
    where period = {{ period() }} and district_code is not null
    group by district_code
),

quarantined as (
    -- attributed through the district code as delivered (old codes mapped to current ones)
    select coalesce(m.district_code, q.raw_district) as district_code, count(*) as quarantined_rows
    from (
        select trim(coalesce(json_extract_string(raw_values, '$.AAB301'), json_extract_string(raw_values, '$.区县代码'),
                             json_extract_string(raw_values, '$.居住地区县代码'))) as raw_district
        from {{ ref('stg_quarantine') }}
        where period = {{ period() }} and source in ('{{ person_sources | join("', '") }}')
    ) as q
    left join {{ ref('district_code_map') }} as m on m.old_code = q.raw_district
    group by all
),

persons as (
    select district_code, count(distinct identifier) as persons
    from {{ ref('persons') }}
    where period = {{ period() }}
    group by district_code
),

duplicates as (
    select district_code, count(distinct identifier) as duplicate_persons
    from {{ ref('findings') }}
    where period = {{ period() }} and finding_type = 'duplicate_enrollment'
    group by district_code
),

survey as (
    select
        district_code,
        count(*) as survey_issued,
        count(*) filter (where status = 'closed') as survey_closed
    from {{ ref('worklist_items') }}
    where issued_period <= {{ period() }}
    group by district_code
),

audit as (
    -- the latest sample with verdicts, as known at this period
    select district_code, sample_period, error_rate, ci_lower, ci_upper, audited, sample_size, is_complete
    from {{ ref('audit_estimates') }}
    where level = 'district' and audited > 0
    qualify row_number() over (partition by district_code order by sample_period desc) = 1
),

measures as (
    select
        d.district_code,
        d.district_name,
        d.is_pilot,
        {%- for g in groups %}
        c.coverage_{{ g }}, c.target_{{ g }}, c.coverage_change_{{ g }},
        {%- endfor %}
        c.coverage_attainment,
        c.coverage_change,
        cast(coalesce(r.person_records, 0) as integer) as person_records,
        r.valid_id_records / nullif(r.person_records, 0) as valid_id_share,
        cast(coalesce(q.quarantined_rows, 0) as integer) as quarantined_rows,
        coalesce(q.quarantined_rows, 0)
            / nullif(coalesce(r.person_records, 0) + coalesce(q.quarantined_rows, 0), 0) as quarantined_share,
        cast(coalesce(pe.persons, 0) as integer) as persons,
        cast(coalesce(du.duplicate_persons, 0) as integer) as duplicate_persons,
        coalesce(du.duplicate_persons, 0) / nullif(pe.persons, 0) as duplicate_share,
        cast(coalesce(s.survey_issued, 0) as integer) as survey_issued,
        cast(coalesce(s.survey_closed, 0) as integer) as survey_closed,
        s.survey_closed / nullif(s.survey_issued, 0) as survey_progress,
        a.sample_period as audit_sample_period,
        cast(a.audited as integer) as audit_items,
        a.error_rate as audit_error_rate,
        a.ci_lower as audit_ci_lower,
        a.ci_upper as audit_ci_upper
    from districts as d
    left join coverage_now as c on c.district_code = d.district_code
    left join records as r on r.district_code = d.district_code
    left join quarantined as q on q.district_code = d.district_code
    left join persons as pe on pe.district_code = d.district_code
    left join duplicates as du on du.district_code = d.district_code
    left join survey as s on s.district_code = d.district_code
    left join audit as a on a.district_code = d.district_code
    -- districts with nothing in the period (no ledger rows) are not evaluated
    where c.district_code is not null
),

components as (
    select
        m.*,
        m.coverage_attainment as score_coverage,
        case when m.coverage_change is null then 0.5
             else greatest(0.0, least(1.0, 0.5 + 10 * m.coverage_change)) end as score_coverage_trend,
        m.valid_id_share as score_valid_id,
        1 - m.quarantined_share as score_quarantine,
        1 - m.duplicate_share as score_duplicates,
        m.survey_progress as score_survey,
        1 - m.audit_error_rate as score_audit
    from measures as m
),

weights as (
    select
        {%- for c in ['coverage', 'coverage_trend', 'valid_id', 'quarantine', 'duplicates', 'survey', 'audit'] %}
        coalesce(max(weight) filter (where component = '{{ c }}'), 0) as w_{{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('evaluation_weights') }}
),

scored as (
    select
        c.*,
        {%- set comps = ['coverage', 'coverage_trend', 'valid_id', 'quarantine', 'duplicates', 'survey', 'audit'] %}
        100 * (
            {%- for k in comps %}
            coalesce(w.w_{{ k }} * c.score_{{ k }}, 0){{ ' +' if not loop.last }}
            {%- endfor %}
        ) / nullif(
            {%- for k in comps %}
            case when c.score_{{ k }} is not null then w.w_{{ k }} else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        , 0) as score,
        -- the weights actually used (missing components dropped), published beside the score
        to_json({
            {%- for k in comps %}
            '{{ k }}': case when c.score_{{ k }} is not null then w.w_{{ k }} end{{ ',' if not loop.last }}
            {%- endfor %}
        }) as weights_used
    from components as c
    cross join weights as w
)

select
    {{ period() }} as period,
    {{ period() }} || '|' || district_code as evaluation_id,
    *,
    cast(rank() over (order by score desc nulls last, district_code) as integer) as score_rank
from scored
