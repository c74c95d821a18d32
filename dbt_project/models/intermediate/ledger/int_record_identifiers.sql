-- Each linked record's current identifier as of the run's period: the latest link per record (a later run
-- may re-link it) with merged identifiers followed to the surviving one (contract: "the older survives
-- and the other becomes its alias").
{{ config(tags=['post_linkage']) }}

with recursive links as (
    select record_key, identifier, period, run_id
    from {{ source('linkage', 'record_links') }}
    where period <= {{ period() }}
    qualify row_number() over (partition by record_key order by period desc, run_id desc) = 1
),

aliases as (
    select identifier, alias_of
    from {{ source('linkage', 'identifier_registry') }}
    where status = 'alias' and alias_of is not null and alias_of <> identifier
),

-- alias chains are short; the depth guard stops a cycle from recursing forever
chain (identifier, current_id, depth) as (
    select distinct identifier, identifier, 0 from links
    union all
    select c.identifier, a.alias_of, c.depth + 1
    from chain as c
    inner join aliases as a on a.identifier = c.current_id
    where c.depth < 20
),

resolved as (
    select identifier, arg_max(current_id, depth) as surviving_id
    from chain
    group by identifier
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
inner join resolved as r on r.identifier = l.identifier
