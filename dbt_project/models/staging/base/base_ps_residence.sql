{# Checked rows of ps_residence (居住证登记). Township names are mapped to codes via the division list. #}
{%- set natives = ['公民身份号码', '姓名', '性别', '出生日期', '户籍地区划', '居住地区县代码', '居住地乡镇街道',
                   '居住地址', '服务处所', '联系电话', '登记日期'] -%}
with raw_rows as (
    {{ raw_period('ps_residence') }}
),

{{ carry_over_ctes('ps_residence', natives, 'raw_rows', condition='coalesce(prev.id_birth_date <= ' ~ previous_period_end() ~ ', true)' ~ ' and ' ~ townships_unchanged()) }}

renamed as (
    select
        {{ staging_keys('ps_residence', natives, keyed=true) }},
        {{ person_id_columns('"公民身份号码"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"性别"') }} as gender_raw,
        {{ parse_date('"出生日期"') }} as birth_date,
        {{ unparseable('"出生日期"', parse_date('"出生日期"')) }} as birth_date_unparseable,
        {{ clean_code('"户籍地区划"') }} as hukou_place_code,
        {{ clean_code('"居住地区县代码"') }} as district_code_raw,
        {{ clean_text('"居住地乡镇街道"') }} as township_name,
        {{ clean_text('"居住地址"') }} as address,
        {{ clean_text('"服务处所"') }} as workplace_name,
        {{ clean_code('"联系电话"') }} as phone,
        {{ parse_date('"登记日期"') }} as registered_date,
        {{ unparseable('"登记日期"', parse_date('"登记日期"')) }} as registered_date_unparseable
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
        tn.township_code,
        coalesce(tn.is_abolished, false) as township_abolished
    from mapped as m
    left join {{ ref('genders') }} as g on g.gender_raw = m.gender_raw
    left join township_names as tn on tn.district_code = m.district_code and tn.township_name = m.township_name
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') + [
            ('birth_date_unparseable', 'invalid_birth_date'),
            ('registered_date_unparseable', 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
            ('township_name is not null and township_code is null', 'unknown_township'),
            ('township_abolished', 'abolished_township'),
            ("phone is not null and not regexp_full_match(phone, '1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,8}')", 'bad_phone'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
