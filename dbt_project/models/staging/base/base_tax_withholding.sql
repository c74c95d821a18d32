{# Checked rows of tax_withholding (个税全员全额扣缴明细). The tax month is the key date. Only 居民身份证
   numbers are standardised as resident IDs; other document numbers stay in id_number_raw. #}
{%- set natives = ['扣缴义务人识别号', '扣缴义务人名称', '所属期', '证件类型', '证件号码', '姓名', '收入额'] -%}
with source as (
    {{ raw_period('tax_withholding') }}
),

renamed as (
    select
        {{ staging_keys('tax_withholding', natives) }},
        upper({{ clean_code('"扣缴义务人识别号"') }}) as employer_tax_id,
        {{ clean_text('"扣缴义务人名称"') }} as employer_name,
        {{ parse_month('"所属期"') }} as tax_month,
        coalesce({{ clean_text('"证件类型"') }}, '居民身份证') as document_type,
        "证件号码" as id_number_raw,
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"收入额"') }} as income_text
    from source
),

coded as (
    select
        r.* exclude (income_text),
        case when dt.is_resident_id then {{ id_standardise('r.id_number_raw') }} end as id_number,
        coalesce(dt.is_resident_id, false) and {{ id_was_15('r.id_number_raw') }} as id_was_15,
        try_cast(replace(r.income_text, ',', '') as decimal(14, 2)) as income,
        r.income_text is not null and try_cast(replace(r.income_text, ',', '') as decimal(14, 2)) is null as income_bad,
        dt.document_type is not null as document_known,
        coalesce(dt.is_resident_id, false) as is_resident_id
    from renamed as r
    left join {{ ref('document_types') }} as dt on dt.document_type = r.document_type
),

facts as (
    select *, {{ id_facts() }} from coded
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number_raw is null and name is null', 'no_identity'),
            ('not document_known', 'unknown_document_type'),
            ('tax_month is null', 'unparseable_key_date'),
            ('income_bad', 'bad_amount'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions() | rejectattr('1', 'in', ['unrecoverable_id', 'missing_id']) | list + [
            ("is_resident_id and id_number is null and " ~ clean_code('id_number_raw') ~ " is not null", 'unrecoverable_id'),
            ("is_resident_id and " ~ clean_code('id_number_raw') ~ " is null", 'missing_id'),
            ('employer_tax_id is not null and length(employer_tax_id) = 18 and not '
                ~ uscc_is_valid('employer_tax_id'), 'invalid_credit_code'),
        ]) }} as data_issues
    from facts
)

{{ base_rows('checked') }}
