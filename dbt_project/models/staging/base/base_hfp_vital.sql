{# Checked rows of hfp_vital (出生/死亡医学证明). Births: the newborn is the person (no ID yet), the mother's
   ID is kept in mother_id_number. The event date is the key date. #}
{%- set natives = ['事件类型', '证明编号', '公民身份号码', '姓名', '性别', '出生日期', '事件日期', '母亲身份证号', '区县代码'] -%}
with source as (
    {{ raw_period('hfp_vital') }}
),

renamed as (
    select
        {{ staging_keys('hfp_vital', natives) }},
        {{ clean_text('"事件类型"') }} as event_type,
        {{ clean_code('"证明编号"') }} as certificate_no,
        {{ person_id_columns('"公民身份号码"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"性别"') }} as gender_raw,
        {{ parse_date('"出生日期"') }} as birth_date,
        {{ unparseable('"出生日期"', parse_date('"出生日期"')) }} as birth_date_unparseable,
        {{ parse_date('"事件日期"') }} as event_date,
        {{ person_id_columns('"母亲身份证号"', 'mother_id_number', full=false) }},
        {{ clean_code('"区县代码"') }} as district_code_raw
    from source
),

coded as (
    select
        r.*,
        {{ id_facts() }},
        g.gender,
        dm.district_code,
        et.event_type is not null as event_known
    from renamed as r
    left join {{ ref('genders') }} as g on g.gender_raw = r.gender_raw
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join {{ ref('vital_event_types') }} as et on et.event_type = r.event_type
),

{# A birth identifies the newborn through the mother; a death needs the deceased's ID or name. #}
checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('not event_known', 'unknown_event_type'),
            ('certificate_no is null', 'missing_key'),
            ("(event_type = '出生' and mother_id_number is null and name is null)
              or (event_type = '死亡' and id_number is null and name is null)", 'no_identity'),
            ('event_date is null', 'unparseable_key_date'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') | rejectattr('1', 'equalto', 'missing_id') | list + [
            ("event_type = '死亡' and id_number is null", 'missing_id'),
            ('birth_date_unparseable', 'invalid_birth_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
            ('mother_id_number_raw is not null and mother_id_number is null', 'unrecoverable_id'),
        ]) }} as data_issues
    from coded
)

{{ base_rows('checked') }}
