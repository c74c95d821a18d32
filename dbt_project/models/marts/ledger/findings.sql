-- 问题线索 for analysts: every period's findings, ID numbers masked (full values in restricted.findings).
{{ config(tags=['post_linkage']) }}

select
    period,
    finding_id,
    finding_type,
    finding_subtype,
    department,
    identifier,
    name,
    {{ ledger_mask_id('id_number') }} as id_number_masked,
    district_code,
    township_code,
    case when finding_type = 'id_problem' then 'id_number' else subject end as subject,
    case when finding_type = 'id_problem' then finding_subtype else detail end as detail,
    evidence
from {{ ref('restricted_findings') }}
