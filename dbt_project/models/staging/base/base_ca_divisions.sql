{# Checked rows of ca_divisions (乡镇街道区划代码表). #}
{%- set natives = ['区县代码', '区县名称', '乡镇街道代码', '乡镇街道名称', '类型', '状态', '变更后代码'] -%}
with source as (
    {{ raw_period('ca_divisions') }}
),

renamed as (
    select
        {{ staging_keys('ca_divisions', natives) }},
        {{ clean_code('"区县代码"') }} as district_code_raw,
        {{ clean_text('"区县名称"') }} as district_name,
        {{ clean_code('"乡镇街道代码"') }} as township_code,
        {{ clean_text('"乡镇街道名称"') }} as township_name,
        {{ clean_text('"类型"') }} as township_type,
        {{ clean_text('"状态"') }} as status,
        {{ clean_code('"变更后代码"') }} as successor_code
    from source
),

coded as (
    select
        r.*,
        dm.district_code,
        -- the same township under the current (end-2016) district prefix, which every other model uses
        dm.district_code || substr(r.township_code, 7) as township_code_current,
        tt.township_type is not null and ds.status is not null as codes_known
    from renamed as r
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join {{ ref('township_types') }} as tt on tt.township_type = r.township_type
    left join {{ ref('division_statuses') }} as ds on ds.status = r.status
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ("township_code is null or not regexp_full_match(township_code, '[0-9]{9}') or township_name is null", 'missing_key'),
            ('district_code is null', 'unknown_district'),
            ('not codes_known', 'unknown_division_code'),
        ]) }} as quarantine_reasons,
        {{ flag_list([
            ('district_code_raw <> district_code', 'old_district_code'),
        ]) }} as data_issues
    from coded
)

{{ base_rows('checked') }}
