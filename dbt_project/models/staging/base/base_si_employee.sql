{# Checked rows of si_employee (城镇职工参保登记) for the period: renamed, normalised, with quarantine reasons. #}
{%- set natives = ['AAC001', 'AAC002', 'AAC003', 'AAC004', 'AAC005', 'AAC006', 'AAB001', 'AAB004', 'TYSHXYDM',
                   'AAE140', 'AAC031', 'AAC030', 'ZHJFNY', 'AAB301', 'AAE005', 'AAE006'] -%}
{#- Status and last paid month change monthly for most rows: left out of the carry-over hash, and the columns
    made from them recomputed on carried rows (the same expressions as below). -#}
{%- set status_expr = clean_code('"AAC031"') -%}
{%- set paid_expr = parse_month('"ZHJFNY"') -%}
{%- set refresh = {
    'contribution_status': status_expr,
    'status_known': 'coalesce(' ~ status_expr ~ ' in (select contribution_status from ' ~ ref('contribution_statuses') ~ '), false)',
    'last_paid_month': paid_expr,
    'last_paid_month_unparseable': unparseable('"ZHJFNY"', paid_expr),
} -%}
with raw_rows as (
    {{ raw_period('si_employee') }}
),

{{ carry_over_ctes('si_employee', natives, 'raw_rows',
    condition='coalesce(prev.id_birth_date <= ' ~ previous_period_end() ~ ', true)',
    volatile=['AAC031', 'ZHJFNY'], refresh=refresh) }}

renamed as (
    select
        {{ staging_keys('si_employee', natives, keyed=true) }},
        {{ clean_code('"AAC001"') }} as person_local_no,
        {{ person_id_columns('"AAC002"') }},
        "AAC003" as name_raw,
        {{ clean_text('"AAC003"') }} as name,
        {{ clean_code('"AAC004"') }} as gender_raw,
        {{ clean_code('"AAC005"') }} as ethnicity_code_raw,
        {{ parse_date('"AAC006"') }} as birth_date,
        {{ unparseable('"AAC006"', parse_date('"AAC006"')) }} as birth_date_unparseable,
        {{ clean_code('"AAB001"') }} as employer_no,
        {{ clean_text('"AAB004"') }} as employer_name,
        upper({{ clean_code('"TYSHXYDM"') }}) as employer_credit_code,
        {{ clean_code('"AAE140"') }} as scheme_code,
        {{ status_expr }} as contribution_status,
        {{ parse_date('"AAC030"') }} as enrolled_date,
        {{ unparseable('"AAC030"', parse_date('"AAC030"')) }} as enrolled_date_unparseable,
        {{ paid_expr }} as last_paid_month,
        {{ refresh.last_paid_month_unparseable }} as last_paid_month_unparseable,
        {{ clean_code('"AAB301"') }} as district_code_raw,
        {{ clean_code('"AAE005"') }} as phone,
        {{ clean_text('"AAE006"') }} as address
    from source
),

coded as (
    select
        r.*,
        {{ id_facts() }},
        g.gender,
        e.ethnicity_code,
        dm.district_code,
        s.scheme_code is not null and s.scheme_kind = 'employee' as scheme_known,
        cs.contribution_status is not null as status_known
    from renamed as r
    left join {{ ref('genders') }} as g on g.gender_raw = r.gender_raw
    left join {{ ref('ethnicities') }} as e on e.ethnicity_code = lpad(r.ethnicity_code_raw, 2, '0')
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join {{ ref('insurance_schemes') }} as s on s.scheme_code = r.scheme_code
    left join {{ ref('contribution_statuses') }} as cs on cs.contribution_status = r.contribution_status
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not scheme_known', 'unknown_scheme_code'),
            ('not status_known', 'unknown_contribution_status'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
            ('last_paid_month_unparseable', 'unparseable_key_date'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') + [
            ('birth_date_unparseable', 'invalid_birth_date'),
            ('enrolled_date_unparseable', 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
            ('ethnicity_code_raw is not null and ethnicity_code is null', 'unknown_ethnicity_code'),
            ('employer_credit_code is not null and not ' ~ uscc_is_valid('employer_credit_code'), 'invalid_credit_code'),
            ("phone is not null and not regexp_full_match(phone, '1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,8}')", 'bad_phone'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
