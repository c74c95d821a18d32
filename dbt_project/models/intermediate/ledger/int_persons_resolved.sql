-- Golden record per identifier as of the run's period (full ID number and phone: restricted use only).
-- Rules (contract "Whom we register"; survivorship in docs/ledger.md):
--   registered = hukou 正常 (or cancelled this month) | residence permit | newborn not on a hukou |
--                seen in SI, tax or survey; after 迁出注销 (from the month after) only a residence permit, an
--                employee record with recent contributions or tax withholding in the last 3 months keeps them.
--   home district = hukou → residence permit → most recent insurance record → newborn: mother's.
{{ config(tags=['post_linkage']) }}

-- not materialized: DuckDB would otherwise materialise this CTE (it is read three times) with every column; at
-- 1 M persons in the routine that took the query from 3.7 GB to 7.2 GB of buffer memory, close to the limit
-- (22 s in dbt; 5 s alone once not materialised)
with records as not materialized (
    select * from {{ ref('int_ledger_records') }}
),

hukou as (
    -- the latest hukou row up to the period (int_hukou_latest keeps it as state per period)
    select identifier, record_key, period, hukou_status, change_date, household_no, relation_to_head, address,
           district_code, township_code, ethnicity
    from {{ ref('int_hukou_latest') }}
    where as_of_period = {{ period() }}
),

residence as (
    select i.identifier, p.district_code, p.township_code, p.address
    from {{ ref('stg_ps_residence__permits') }} as p
    inner join {{ ref('int_record_identifiers') }} as i on i.record_key = p.record_key
    where p.period = {{ period() }}
    qualify row_number() over (partition by i.identifier order by p.registered_date desc nulls last, p.record_key) = 1
),

latest_insurance as (
    select identifier, district_code, township_code
    from {{ ref('int_enrollments_linked') }}
    qualify row_number() over (
        partition by identifier
        order by last_paid_date desc nulls last, enrolled_date desc nulls last, record_key) = 1
),

births as (
    -- newborns: birth reports (hfp_vital 出生) in scope, also those whose mother ID is missing or unusable
    -- (staging keeps a birth that names the child); the mother is found through her ID number when present
    select r.identifier, min(r.mother_id_number) as mother_id_number
    from records as r
    inner join {{ ref('stg_hfp_vital__events') }} as v on v.record_key = r.record_key
    where r.source = 'hfp_vital' and v.event_type = '出生'
    group by r.identifier
),

-- an ID number → the identifier most of its records were linked to (to find a newborn's mother)
id_owner as (
    select id_number, identifier
    from records
    where id_number is not null
    group by id_number, identifier
    qualify row_number() over (partition by id_number order by count(*) desc, identifier) = 1
),

recent_work as (
    select identifier from {{ ref('int_enrollments_linked') }}
    where is_employee_scheme and has_recent_contribution
    union
    select identifier from {{ ref('int_tax_withholdings_linked') }}
    where tax_month between {{ ledger_window_start() }} and {{ period_start() }}
),

deaths as (
    select identifier, death_date, record_key as death_record_key
    from {{ ref('int_deaths_linked') }}
    qualify row_number() over (partition by identifier order by death_trust, period desc, death_date, record_key) = 1
),

attributes as (
    select
        identifier,
        -- list_sort(list(x)), not list(x order by x): the same list, sorted once instead of per ordered
        -- aggregate (a quarter of this CTE's time at 1 M persons); the marts use the same form
        list_sort(list_distinct(list(source))) as sources_seen,
        -- no list of the person's record keys: nothing read it, and it was 1 M lists to build and store;
        -- marts.record_identifiers maps every record to its identifier
        {{ ledger_survivor('id_number', 'valid_key') }}
            filter (where id_number is not null) as best_id_number,
        bool_or(coalesce(id_is_valid, false)) as has_valid_id,
        -- some record delivered a number (a birth report without one does not: the newborn has none yet)
        count(nullif(trim(id_number_raw), '')) > 0 as has_id_number_delivered,
        count(distinct id_number) filter (where id_is_valid) as valid_id_count,
        {{ ledger_survivor('name', 'trust_key') }} filter (where name is not null) as best_name,
        count(distinct name) filter (where name is not null) as name_count,
        {{ ledger_survivor('birth_date', 'valid_key') }}
            filter (where birth_date is not null) as best_birth_date,
        count(distinct birth_date_stated) filter (where birth_date_stated is not null) as stated_birth_date_count,
        bool_or(list_contains(data_issues, 'birth_date_conflict')) as has_birth_date_conflict,
        {{ ledger_survivor('gender', 'valid_key') }}
            filter (where gender in ('1', '2')) as best_gender,
        -- contact: the survey (met in person) first, then the registers; newest wins when equal
        {{ ledger_survivor('phone', 'contact_key') }}
            filter (where phone is not null) as best_phone,
        {{ ledger_survivor('address', 'trust_key') }} filter (where address is not null) as any_address,
        {{ ledger_survivor('district_code', 'trust_key') }}
            filter (where district_code is not null) as any_district_code,
        {{ ledger_survivor('township_code', 'trust_key') }}
            filter (where township_code is not null) as any_township_code
    from (
        -- survivorship orders as single BIGINTs (far cheaper per row than comparing lists); yyyymm < 10^7:
        -- valid_key = [invalid ID, trust, newest period], trust_key = [trust, newest period],
        -- contact_key = [contact source rank, newest period]
        select
            *,
            (not coalesce(id_is_valid, false))::bigint * 1000000000 + identity_trust * 10000000 - period_rank
                as valid_key,
            identity_trust * 10000000 - period_rank as trust_key,
            case source when 'survey_returns' then 1 when 'ps_residence' then 2
                        when 'si_employee' then 3 when 'si_resident' then 4 else 5 end * 10000000 - period_rank
                as contact_key
        from (select *, cast(replace(period, '-', '') as bigint) as period_rank from records)
    )
    group by identifier
),

base as (
    select
        a.*,
        h.hukou_status,
        h.change_date as hukou_change_date,
        h.household_no,
        h.relation_to_head,
        h.ethnicity,
        h.record_key as hukou_record_key,
        -- 迁出注销: gone from the month after the change
        coalesce(h.hukou_status = '迁出注销' and h.change_date < {{ period_start() }}, false) as has_moved_out,
        r.identifier is not null as has_residence_permit,
        w.identifier is not null as has_recent_work,
        b.identifier is not null and h.identifier is null as is_newborn_without_hukou,
        b.mother_id_number,
        d.death_date,
        d.death_record_key,
        case
            when h.identifier is not null and not coalesce(h.hukou_status = '迁出注销'
                 and h.change_date < {{ period_start() }}, false) then 'hukou'
            when r.identifier is not null then 'residence_permit'
            when li.identifier is not null then 'insurance'
        end as district_basis,
        case
            when h.identifier is not null and not coalesce(h.hukou_status = '迁出注销'
                 and h.change_date < {{ period_start() }}, false) then h.district_code
            when r.identifier is not null then r.district_code
            when li.identifier is not null then li.district_code
        end as basis_district_code,
        case
            when h.identifier is not null and not coalesce(h.hukou_status = '迁出注销'
                 and h.change_date < {{ period_start() }}, false) then h.township_code
            when r.identifier is not null then r.township_code
            when li.identifier is not null then li.township_code
        end as basis_township_code,
        coalesce(h.address, r.address, a.any_address) as best_address
    from attributes as a
    left join hukou as h on h.identifier = a.identifier
    left join residence as r on r.identifier = a.identifier
    left join latest_insurance as li on li.identifier = a.identifier
    left join births as b on b.identifier = a.identifier
    left join recent_work as w on w.identifier = a.identifier
    left join deaths as d on d.identifier = a.identifier
),

with_mother as (
    select
        p.*,
        m.identifier as mother_identifier,
        mb.basis_district_code as mother_district_code,
        mb.basis_township_code as mother_township_code,
        mb.household_no as mother_household_no,
        mb.best_address as mother_address
    from base as p
    left join id_owner as m on m.id_number = p.mother_id_number and p.is_newborn_without_hukou
    left join base as mb on mb.identifier = m.identifier
)

select
    identifier,
    best_name as name,
    best_id_number as id_number,
    has_valid_id,
    has_id_number_delivered,
    valid_id_count,
    best_birth_date as birth_date,
    best_gender as gender,
    ethnicity,
    coalesce(basis_district_code, case when is_newborn_without_hukou then mother_district_code end,
             any_district_code) as district_code,
    case
        when basis_district_code is not null then basis_township_code
        when is_newborn_without_hukou and mother_district_code is not null then mother_township_code
        else any_township_code
    end as township_code,
    coalesce(district_basis, case when is_newborn_without_hukou and mother_district_code is not null
                                  then 'mother' end, 'other_record') as district_basis,
    coalesce(household_no, case when is_newborn_without_hukou then mother_household_no end) as household_no,
    relation_to_head,
    coalesce(best_address, case when is_newborn_without_hukou then mother_address end) as address,
    best_phone as phone,
    death_date,
    death_record_key,
    hukou_status,
    hukou_change_date,
    has_moved_out,
    mother_identifier,
    case
        when hukou_status = '正常' then 'hukou'
        when hukou_status is not null and not has_moved_out then 'hukou'
        when has_residence_permit then 'residence_permit'
        when is_newborn_without_hukou then 'newborn'
        when has_moved_out and has_recent_work then 'works_here'
        when not has_moved_out and len(list_intersect(sources_seen, [
            'si_employee', 'si_resident', 'si_benefit', 'tax_withholding', 'survey_returns'])) > 0
            then 'insurance_tax_survey'
    end as registration_basis,
    name_count > 1 as has_name_conflict,
    valid_id_count > 1 as has_id_conflict,
    coalesce(has_birth_date_conflict or stated_birth_date_count > 1, false) as has_birth_date_conflict,
    sources_seen
from with_mother
