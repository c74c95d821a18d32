{# Checked rows of ps_hukou (常住人口户籍登记). Township names are mapped to codes via the division list. #}
{%- set natives = ['公民身份号码', '姓名', '性别', '民族', '出生日期', '户号', '与户主关系', '住址', '区县代码',
                   '乡镇街道', '户口状态', '变动日期'] -%}
with raw_rows as (
    {{ raw_period('ps_hukou') }}
),

{{ carry_over_ctes('ps_hukou', natives, 'raw_rows', condition='coalesce(prev.id_birth_date <= ' ~ previous_period_end() ~ ', true)' ~ ' and ' ~ townships_unchanged()) }}

renamed as (
    select
        {{ staging_keys('ps_hukou', natives, keyed=true) }},
        {{ person_id_columns('"公民身份号码"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"性别"') }} as gender_raw,
        {{ clean_text('"民族"') }} as ethnicity_raw,
        {{ parse_date('"出生日期"') }} as birth_date,
        {{ unparseable('"出生日期"', parse_date('"出生日期"')) }} as birth_date_unparseable,
        {{ clean_code('"户号"') }} as household_no,
        {{ clean_text('"与户主关系"') }} as relation_to_head,
        {{ clean_text('"住址"') }} as address,
        {{ clean_code('"区县代码"') }} as district_code_raw,
        {{ clean_text('"乡镇街道"') }} as township_name,
        {{ clean_text('"户口状态"') }} as hukou_status,
        {{ parse_date('"变动日期"') }} as change_date,
        {{ unparseable('"变动日期"', parse_date('"变动日期"')) }} as change_date_unparseable
    from source
),

mapped as (
    select r.*, dm.district_code
    from renamed as r
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
),

township_names as (
    {{ match_township_names('mapped') }}
),

coded as (
    select
        m.*,
        {{ id_facts() }},
        g.gender,
        e.ethnicity_name as ethnicity,
        tn.township_code,
        coalesce(tn.is_abolished, false) as township_abolished,
        hs.hukou_status is not null as status_known
    from mapped as m
    left join {{ ref('genders') }} as g on g.gender_raw = m.gender_raw
    -- 民族 arrives as a name; tolerate a missing 族 suffix (土家 -> 土家族).
    left join {{ ref('ethnicities') }} as e
        on e.ethnicity_name = m.ethnicity_raw or e.ethnicity_name = m.ethnicity_raw || '族'
    left join township_names as tn on tn.district_code = m.district_code and tn.township_name = m.township_name
    left join {{ ref('hukou_statuses') }} as hs on hs.hukou_status = m.hukou_status
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not status_known', 'unknown_hukou_status'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
            ("hukou_status <> '正常' and change_date_unparseable", 'unparseable_key_date'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') + [
            ('birth_date_unparseable', 'invalid_birth_date'),
            ("change_date_unparseable and hukou_status = '正常'", 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
            ('ethnicity_raw is not null and ethnicity is null', 'unknown_ethnicity_code'),
            ('township_name is not null and township_code is null', 'unknown_township'),
            ('township_abolished', 'abolished_township'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
