{# Checked rows of ca_death (殡葬/火化记录, xlsx: dates may arrive as Excel serials). Death date is the key. #}
{%- set natives = ['身份证号', '姓名', '性别', '死亡日期', '火化日期', '区县代码'] -%}
with source as (
    {{ raw_period('ca_death') }}
),

renamed as (
    select
        {{ staging_keys('ca_death', natives) }},
        {{ person_id_columns('"身份证号"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"性别"') }} as gender_raw,
        {{ parse_date('"死亡日期"') }} as death_date,
        {{ parse_date('"火化日期"') }} as cremation_date,
        {{ unparseable('"火化日期"', parse_date('"火化日期"')) }} as cremation_date_unparseable,
        {{ clean_code('"区县代码"') }} as district_code_raw
    from source
),

coded as (
    select
        r.*,
        {{ id_facts() }},
        g.gender,
        dm.district_code
    from renamed as r
    left join {{ ref('genders') }} as g on g.gender_raw = r.gender_raw
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('death_date is null', 'unparseable_key_date'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('null', 'gender') + [
            ('cremation_date_unparseable', 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
        ]) }} as data_issues
    from coded
)

{{ base_rows('checked') }}
