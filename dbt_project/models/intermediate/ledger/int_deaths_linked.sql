-- Every death seen in any source (contract: hfp_vital 死亡, ca_death, ps_hukou 死亡注销) with identifier.
-- death_trust orders the sources for the golden record: the medical certificate first, then the cremation
-- record, then the hukou cancellation (whose 变动日期 is the registration date, often later).
{{ config(tags=['post_linkage']) }}

with deaths as (
    select record_key, period, event_date as death_date, 1 as death_trust
    from {{ ref('stg_hfp_vital__events') }}
    where event_type = '死亡' and period <= {{ period() }}
    union all
    select record_key, period, death_date, 2
    from {{ ref('stg_ca_death__records') }}
    where period <= {{ period() }}
    union all
    -- hukou is a snapshot, but a cancelled row may appear only in the period of cancellation
    select record_key, period, change_date, 3
    from {{ ref('stg_ps_hukou__residents') }}
    where hukou_status = '死亡注销' and period <= {{ period() }}
)

select d.record_key, d.period, i.identifier, d.death_date, d.death_trust
from deaths as d
inner join {{ ref('int_record_identifiers') }} as i on i.record_key = d.record_key
where d.death_date is not null
