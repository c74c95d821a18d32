{# Checked rows of ca_assistance (低保/特困供养). #}
{%- set natives = ['身份证号', '姓名', '救助类别', '户主身份证号', '区县代码', '乡镇街道代码', '起始年月'] -%}
with raw_rows as (
    {{ raw_period('ca_assistance') }}
),

{{ carry_over_ctes('ca_assistance', natives, 'raw_rows', condition='coalesce(prev.id_birth_date <= ' ~ previous_period_end() ~ ', true)' ~ ' and ' ~ townships_unchanged()) }}

renamed as (
    select
        {{ staging_keys('ca_assistance', natives, keyed=true) }},
        {{ person_id_columns('"身份证号"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_text('"救助类别"') }} as assistance_type,
        {{ person_id_columns('"户主身份证号"', 'head_id_number', full=false) }},
        {{ clean_code('"区县代码"') }} as district_code_raw,
        {{ clean_code('"乡镇街道代码"') }} as township_code_raw,
        {{ parse_month('"起始年月"') }} as start_month,
        {{ unparseable('"起始年月"', parse_month('"起始年月"')) }} as start_month_unparseable
    from source
),

township_codes as (
    {{ match_township_codes('renamed') }}
),

coded as (
    select
        r.*,
        {{ id_facts() }},
        dm.district_code,
        tc.township_code,
        coalesce(tc.is_abolished, false) as township_abolished,
        atype.assistance_type is not null as type_known
    from renamed as r
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join township_codes as tc on tc.township_code_raw = r.township_code_raw
    left join {{ ref('assistance_types') }} as atype on atype.assistance_type = r.assistance_type
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not type_known', 'unknown_assistance_type'),
            ('district_code is null', 'unknown_district'),
            ('start_month_unparseable', 'unparseable_key_date'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions() + [
            ('district_code_raw <> district_code', 'old_district_code'),
            ('township_code_raw is not null and township_code is null', 'unknown_township'),
            ('township_abolished', 'abolished_township'),
            ('head_id_number_raw is not null and head_id_number is null', 'unrecoverable_id'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
