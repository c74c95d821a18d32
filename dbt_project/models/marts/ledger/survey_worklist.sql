-- 入户调查工作清单: one item per household to visit per period, per township, with its people's reasons.
-- worklist_item_id is a hash of the household key (hukou 户号, else township + address, else the person), so
-- the same household keeps its id across periods. priority 1 = someone never insured in pension/medical
-- or an ID problem; 2 = someone lapsed or never insured in another group; 3 = other data problems only.
{{ config(
    materialized='period_partition',
    tags=['post_linkage'],
) }}

with persons as (
    select * from {{ ref('restricted_worklist_persons') }} where period = {{ period() }}
),

-- where the household is: the (district, township) most of its people have; ties go to the smallest code,
-- not to mode()'s pick, which follows hash-table order, so a re-run could move a household to another
-- district's list (10 households at 1 M persons tie on district). District and township are voted on as a
-- pair so the township lies in the district.
place as (
    select worklist_item_id, district_code, township_code
    from persons
    where district_code is not null
    group by worklist_item_id, district_code, township_code
    qualify row_number() over (
        partition by worklist_item_id order by count(*) desc, district_code, township_code nulls last) = 1
),

-- the address most of the people living at that place have (then most people overall), so the address and
-- the township on the list belong together
address as (
    select p.worklist_item_id, p.address
    from persons as p
    left join place as pl on pl.worklist_item_id = p.worklist_item_id
    where p.address is not null
    group by p.worklist_item_id, p.address
    qualify row_number() over (
        partition by p.worklist_item_id
        order by count(*) filter (where p.district_code = pl.district_code
                                    and p.township_code is not distinct from pl.township_code) desc,
                 count(*) desc, p.address) = 1
),

items as (
    select
        worklist_item_id,
        any_value(household_key) as household_key,
        count(*) as person_count,
        list_sort(list_distinct(flatten(list(reasons)))) as reasons,
        string_agg(name || '：' || array_to_string(reasons, '、'), '；' order by identifier) as person_reasons,
        bool_or(list_has_any(reasons, ['never_pension', 'never_medical', 'invalid_id', 'missing_id',
            'conflicting_id']))
            as has_priority_1,
        bool_or(list_has_any(reasons, ['lapsed_pension', 'lapsed_medical', 'never_unemployment',
            'never_work_injury', 'never_maternity', 'lapsed_unemployment', 'lapsed_work_injury',
            'lapsed_maternity', 'incomplete'])) as has_priority_2
    from persons
    group by worklist_item_id
),

earlier as (
    {% if is_incremental() %}
    select distinct worklist_item_id from {{ this }} where period < {{ period() }}
    {% else %}
    select cast(null as varchar) as worklist_item_id where false
    {% endif %}
)

select
    {{ period() }} as period,
    i.worklist_item_id,
    pl.district_code,
    pl.township_code,
    case when starts_with(i.household_key, 'H:') then substr(i.household_key, 3) end as household_no,
    a.address,
    case when i.has_priority_1 then 1 when i.has_priority_2 then 2 else 3 end as priority,
    cast(i.person_count as integer) as person_count,
    i.reasons,
    i.person_reasons,
    e.worklist_item_id is null as is_new
from items as i
left join place as pl on pl.worklist_item_id = i.worklist_item_id
left join address as a on a.worklist_item_id = i.worklist_item_id
left join earlier as e on e.worklist_item_id = i.worklist_item_id
