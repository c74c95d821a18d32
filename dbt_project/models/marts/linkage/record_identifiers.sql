-- 记录 → 参保标识: one row per linked person-bearing staged record, with the identifier it carries now
-- (aliases followed to the surviving identifier). One partition per period like int_record_identifiers: the
-- routine writes its own period's rows, and earlier rows follow this period's merges (post-hook).
{{ config(
    materialized='period_partition',
    post_hook="{{ follow_new_aliases() }}",
    tags=['post_linkage'],
) }}

select
    source,
    record_period as period,
    -- record_key = <source>|<period>|<file>|<row_number>; the file name sits between the 2nd and last bar
    array_to_string(string_split(record_key, '|')[3:-2], '|') as file_name,
    cast(split_part(record_key, '|', -1) as integer) as row_number,
    record_key,
    identifier
from {{ ref('int_record_identifiers') }}
{% if is_incremental() %}
where {{ period_not_in_this('record_period', 'period') }}
{% endif %}
