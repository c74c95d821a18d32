{# Checked rows of si_benefit (养老金发放). The payment month is the key date. #}
{%- set natives = ['AAC002', 'AAC003', 'AAE140', 'AAE003', 'AAE019', 'AAB301'] -%}
with source as (
    {{ raw_period('si_benefit') }}
),

renamed as (
    select
        {{ staging_keys('si_benefit', natives) }},
        {{ person_id_columns('"AAC002"') }},
        "AAC003" as name_raw,
        {{ clean_text('"AAC003"') }} as name,
        {{ clean_code('"AAE140"') }} as scheme_code,
        {{ parse_month('"AAE003"') }} as benefit_month,
        {{ clean_code('"AAE019"') }} as amount_text,
        {{ clean_code('"AAB301"') }} as district_code_raw
    from source
),

coded as (
    select
        r.* exclude (amount_text),
        try_cast(replace(r.amount_text, ',', '') as decimal(14, 2)) as amount,
        r.amount_text is not null and try_cast(replace(r.amount_text, ',', '') as decimal(14, 2)) is null as amount_bad,
        {{ id_facts() }},
        dm.district_code,
        s.scheme_code is not null and s.scheme_group = 'pension' as scheme_known
    from renamed as r
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join {{ ref('insurance_schemes') }} as s on s.scheme_code = r.scheme_code
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not scheme_known', 'unknown_scheme_code'),
            ('benefit_month is null', 'unparseable_key_date'),
            ('amount_bad', 'bad_amount'),
            ('district_code is null', 'unknown_district'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions() + [
            ('district_code_raw <> district_code', 'old_district_code'),
        ]) }} as data_issues
    from coded
)

{{ base_rows('checked') }}
