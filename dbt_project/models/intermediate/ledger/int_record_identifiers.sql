-- Each linked record's current identifier as of the run's period, merged identifiers followed to the surviving
-- one (contract: "the older survives and the other becomes its alias").
--
-- One partition per link period, so the monthly routine writes its own period's links, not every period's
-- again (the table grows by ~3.8 M rows a month at 1 M persons; rebuilt whole it cost more every month). A
-- record is linked once: linkage writes a period's links for that period's records only (the record_key holds
-- the period) and replaces them on a re-run, so no window over all periods is needed; the unique test on
-- marts.record_identifiers guards it. Earlier periods' rows follow this period's merges (post-hook).
{{ config(
    materialized='period_partition',
    partition_column='link_period',
    post_hook="{{ follow_new_aliases() }}",
    tags=['post_linkage'],
) }}

with links as (
    select record_key, identifier, period, run_id
    from {{ source('linkage', 'record_links') }}
    where period <= {{ period() }}
    {% if is_incremental() %}
        and {{ period_not_in_this('period', 'link_period') }}
    {% endif %}
)

select
    l.record_key,
    split_part(l.record_key, '|', 1) as source,
    split_part(l.record_key, '|', 2) as record_period,
    r.surviving_id as identifier,
    l.identifier as linked_identifier,
    l.period as link_period,
    l.run_id
from links as l
inner join {{ surviving_identifiers('select identifier from links') }} as r on r.identifier = l.identifier
