{# Checked rows of si_resident (城乡居民养老/医疗参保登记). #}
{%- set natives = ['AAC001', 'AAC002', 'AAC003', 'AAC004', 'AAC006', 'AAE140', 'AAC031', 'AAC030', 'ZHJFND', 'ZZLB',
                   'AAB301', 'XZJDDM', 'AAE005', 'AAE006'] -%}
with raw_rows as (
    {{ raw_period('si_resident') }}
),

{{ carry_over_ctes('si_resident', natives, 'raw_rows', condition='coalesce(prev.id_birth_date <= ' ~ previous_period_end() ~ ', true)' ~ ' and ' ~ townships_unchanged()) }}

renamed as (
    select
        {{ staging_keys('si_resident', natives, keyed=true) }},
        {{ clean_code('"AAC001"') }} as person_local_no,
        {{ person_id_columns('"AAC002"') }},
        "AAC003" as name_raw,
        {{ clean_text('"AAC003"') }} as name,
        {{ clean_code('"AAC004"') }} as gender_raw,
        {{ parse_date('"AAC006"') }} as birth_date,
        {{ unparseable('"AAC006"', parse_date('"AAC006"')) }} as birth_date_unparseable,
        {{ clean_code('"AAE140"') }} as scheme_code,
        {{ clean_code('"AAC031"') }} as contribution_status,
        {{ parse_date('"AAC030"') }} as enrolled_date,
        {{ unparseable('"AAC030"', parse_date('"AAC030"')) }} as enrolled_date_unparseable,
        {{ clean_code('"ZHJFND"') }} as last_paid_year_text,
        {{ clean_code('"ZZLB"') }} as subsidy_category,
        {{ clean_code('"AAB301"') }} as district_code_raw,
        {{ clean_code('"XZJDDM"') }} as township_code_raw,
        {{ clean_code('"AAE005"') }} as phone,
        {{ clean_text('"AAE006"') }} as address
    from source
),

township_codes as (
    {{ match_township_codes('renamed') }}
),

coded as (
    select
        r.* exclude (last_paid_year_text),
        case when regexp_full_match(r.last_paid_year_text, '(19|20)[0-9]{2}')
             then cast(r.last_paid_year_text as integer) end as last_paid_year,
        r.last_paid_year_text is not null
            and not regexp_full_match(r.last_paid_year_text, '(19|20)[0-9]{2}') as last_paid_year_unparseable,
        {{ id_facts() }},
        g.gender,
        dm.district_code,
        tc.township_code,
        coalesce(tc.is_abolished, false) as township_abolished,
        s.scheme_code is not null and s.scheme_kind = 'resident' as scheme_known,
        cs.contribution_status is not null as status_known,
        r.subsidy_category is null or sc.subsidy_category is not null as subsidy_known
    from renamed as r
    left join {{ ref('genders') }} as g on g.gender_raw = r.gender_raw
    left join {{ ref('district_code_map') }} as dm on dm.old_code = r.district_code_raw
    left join township_codes as tc on tc.township_code_raw = r.township_code_raw
    left join {{ ref('insurance_schemes') }} as s on s.scheme_code = r.scheme_code
    left join {{ ref('contribution_statuses') }} as cs on cs.contribution_status = r.contribution_status
    left join {{ ref('subsidy_categories') }} as sc on sc.subsidy_category = r.subsidy_category
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not scheme_known', 'unknown_scheme_code'),
            ('not status_known', 'unknown_contribution_status'),
            ('not subsidy_known', 'unknown_subsidy_category'),
            ('district_code is null', 'unknown_district'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
            ('last_paid_year_unparseable', 'unparseable_key_date'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') + [
            ('birth_date_unparseable', 'invalid_birth_date'),
            ('enrolled_date_unparseable', 'unparseable_date'),
            ('district_code_raw <> district_code', 'old_district_code'),
            ('township_code_raw is not null and township_code is null', 'unknown_township'),
            ('township_abolished', 'abolished_township'),
            ("phone is not null and not regexp_full_match(phone, '1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,8}')", 'bad_phone'),
        ]) }} as data_issues
    from {{ with_carried('coded') }}
)

{{ base_rows('checked') }}
