{# Checked rows of audit_verdicts (抽检核查结果). #}
{%- set natives = ['样本编号', '核查方式', '核查结果', '不一致项', '核查人', '核查日期'] -%}
with source as (
    {{ raw_period('audit_verdicts') }}
),

renamed as (
    select
        {{ staging_keys('audit_verdicts', natives) }},
        {{ clean_code('"样本编号"') }} as sample_id,
        {{ clean_text('"核查方式"') }} as audit_method,
        {{ clean_text('"核查结果"') }} as verdict,
        -- comma-separated (ASCII or full-width/ideographic comma) field names -> list
        list_filter(
            list_transform(string_split(regexp_replace(coalesce({{ clean_text('"不一致项"') }}, ''), '[，、;；]', ',', 'g'), ','),
                           lambda x: trim(x)),
            lambda x: x <> '') as mismatched_fields,
        {{ clean_code('"核查人"') }} as auditor_no,
        {{ parse_date('"核查日期"') }} as audit_date,
        {{ unparseable('"核查日期"', parse_date('"核查日期"')) }} as audit_date_unparseable
    from source
),

coded as (
    select
        r.*,
        m.value is not null and v.value is not null as codes_known
    from renamed as r
    left join {{ ref('audit_verdict_codes') }} as m on m.field = 'audit_method' and m.value = r.audit_method
    left join {{ ref('audit_verdict_codes') }} as v on v.field = 'verdict' and v.value = r.verdict
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('sample_id is null', 'missing_key'),
            ('not codes_known', 'unknown_verdict_code'),
            ('audit_date_unparseable', 'unparseable_key_date'),
        ]) }} as quarantine_reasons,
        [] :: varchar[] as data_issues
    from coded
)

{{ base_rows('checked') }}
