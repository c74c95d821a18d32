{# Checked rows of survey_returns (入户调查登记表). Answers are validated against survey_answer_codes. #}
{%- set natives = ['调查表编号', '乡镇街道代码', '村社区', '户地址', '调查员编号', '调查日期', '公民身份号码', '姓名', '性别',
                   '出生日期', '联系电话', '就业状态', '工作单位', '养老保险', '医疗保险', '失业保险', '工伤保险', '生育保险',
                   '未参保原因', '参保意愿', '备注'] -%}
{%- set answers = ['employment_status', 'pension_answer', 'medical_answer', 'unemployment_answer', 'work_injury_answer',
                   'maternity_answer', 'uninsured_reason', 'willing_to_enroll'] -%}
with source as (
    {{ raw_period('survey_returns') }}
),

renamed as (
    select
        {{ staging_keys('survey_returns', natives) }},
        {{ clean_code('"调查表编号"') }} as survey_form_no,
        {{ clean_code('"乡镇街道代码"') }} as township_code_raw,
        {{ clean_text('"村社区"') }} as village_name,
        {{ clean_text('"户地址"') }} as household_address,
        {{ clean_code('"调查员编号"') }} as surveyor_no,
        {{ parse_date('"调查日期"') }} as survey_date,
        {{ unparseable('"调查日期"', parse_date('"调查日期"')) }} as survey_date_unparseable,
        {{ person_id_columns('"公民身份号码"') }},
        "姓名" as name_raw,
        {{ clean_text('"姓名"') }} as name,
        {{ clean_code('"性别"') }} as gender_raw,
        {{ parse_date('"出生日期"') }} as birth_date,
        {{ unparseable('"出生日期"', parse_date('"出生日期"')) }} as birth_date_unparseable,
        {{ clean_code('"联系电话"') }} as phone,
        {{ clean_text('"就业状态"') }} as employment_status,
        {{ clean_text('"工作单位"') }} as employer_name,
        {{ clean_text('"养老保险"') }} as pension_answer,
        {{ clean_text('"医疗保险"') }} as medical_answer,
        {{ clean_text('"失业保险"') }} as unemployment_answer,
        {{ clean_text('"工伤保险"') }} as work_injury_answer,
        {{ clean_text('"生育保险"') }} as maternity_answer,
        {{ clean_text('"未参保原因"') }} as uninsured_reason,
        {{ clean_text('"参保意愿"') }} as willing_to_enroll,
        {{ clean_text('"备注"') }} as remarks
    from source
),

township_codes as (
    {{ match_township_codes('renamed') }}
),

-- Every non-blank answer must be in its question's code list.
answer_check as (
    select
        r.record_key,
        count(*) filter (where a.answer is null) = 0 as answers_known
    from (
        select record_key, question, answer
        from renamed
        unpivot (answer for question in ({{ answers | join(', ') }}))
    ) as r
    left join {{ ref('survey_answer_codes') }} as a on a.question = r.question and a.answer = r.answer
    group by r.record_key
),

coded as (
    select
        r.*,
        {{ id_facts() }},
        g.gender,
        tc.township_code,
        coalesce(tc.is_abolished, false) as township_abolished,
        coalesce(ac.answers_known, true) as answers_known
    from renamed as r
    left join {{ ref('genders') }} as g on g.gender_raw = r.gender_raw
    left join township_codes as tc on tc.township_code_raw = r.township_code_raw
    left join answer_check as ac on ac.record_key = r.record_key
),

checked as (
    select
        *,
        {{ flag_list([
            ('is_duplicate_row', 'duplicate_row'),
            ('id_number is null and name is null', 'no_identity'),
            ('not answers_known', 'unknown_answer_code'),
            ('survey_date_unparseable', 'unparseable_key_date'),
            ('gender_raw is not null and gender is null', 'unknown_gender'),
        ]) }} as quarantine_reasons,
        {{ flag_list(id_issue_conditions('birth_date', 'gender') + [
            ('birth_date_unparseable', 'invalid_birth_date'),
            ('township_code_raw is null or township_code is null', 'unknown_township'),
            ('township_abolished', 'abolished_township'),
            ("phone is not null and not regexp_full_match(phone, '1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,8}')", 'bad_phone'),
        ]) }} as data_issues
    from coded
)

{{ base_rows('checked') }}
