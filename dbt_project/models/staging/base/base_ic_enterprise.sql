{# Checked rows of ic_enterprise (市场主体登记). No person here: identity is the credit code or 注册号. #}
{%- set natives = ['统一社会信用代码', '注册号', '企业名称', '企业类型', '登记状态', '成立日期', '注销吊销日期', '住所',
                   '区县代码', '行业门类'] -%}
with raw_rows as (
    {{ raw_period('ic_enterprise') }}
),

{{ carry_over_ctes('ic_enterprise', natives, 'raw_rows') }}

renamed as (
    select
        {{ staging_keys('ic_enterprise', natives, keyed=true) }},
        upper({{ clean_code('"统一社会信用代码"') }}) as credit_code,
        {{ clean_code('"注册号"') }} as registration_no,
        {{ clean_text('"企业名称"') }} as enterprise_name,
        {{ clean_text('"企业类型"') }} as enterprise_type,
        {{ clean_text('"登记状态"') }} as registration_status,
        {{ parse_date('"成立日期"') }} as founded_date,
        {{ unparseable('"成立日期"', parse_date('"成立日期"')) }} as founded_date_unparseable,
        {{ parse_date('"注销吊销日期"') }} as closed_date,
        {{ unparseable('"注销吊销日期"', parse_date('"注销吊销日期"')) }} as closed_date_unparseable,
        {{ clean_text('"住所"') }} as address,
        {{ clean_code('"区县代码"') }} as district_code_raw,
        upper({{ clean_code('"行业门类"') }}) as industry_section
    from source
),

coded as (
    select
        r.*,
        {{ uscc_is_valid('r.credit_code') }} as credit_code_is_valid,
        {{ registration_no_is_valid('r.registration_no') }} as registration_no_is_valid,
        dm.district_code,
        rs.registration_status is not null as status_known
    from renamed as r
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join {{ ref('enterprise_registration_statuses') }} as rs on rs.registration_status = r.registration_status
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('credit_code is null and registration_no is null and enterprise_name is null', 'no_identity'),
            ('not status_known', 'unknown_registration_status'),
            ('district_code is null', 'unknown_district'),
        ]) }} as quarantine_reasons,
        {{ flag_list([
            ('credit_code is not null and not credit_code_is_valid', 'invalid_credit_code'),
            ('registration_no is not null and not registration_no_is_valid', 'invalid_registration_no'),
            ('founded_date_unparseable or closed_date_unparseable', 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
