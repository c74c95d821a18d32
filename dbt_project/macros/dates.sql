{#
  Tolerant date parsing: YYYY-MM-DD, YYYYMMDD, '/' or '.' separators, a trailing 00:00:00 time, and Excel
  serial day numbers (a stray numeric cell from an .xlsx; 1900 date system, serials 1..99999).
#}
{% macro parse_date(expr) -%}
    {%- set s = "regexp_replace(regexp_replace(" ~ clean_code(expr) ~ ", '[/.]', '-', 'g'), '(\\d)(\\d{2}:\\d{2}(:\\d{2})?)$', '\\1')" -%}
    (case
        when regexp_full_match({{ s }}, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') then cast(try_strptime({{ s }}, '%Y-%m-%d') as date)
        when regexp_full_match({{ s }}, '[0-9]{8}') then cast(try_strptime({{ s }}, '%Y%m%d') as date)
        when regexp_full_match({{ s }}, '[0-9]{1,5}(\.0+)?') then date '1899-12-30' + cast(cast({{ s }} as double) as integer)
    end)
{%- endmacro %}

{# A month (YYYYMM, YYYY-MM, YYYY/MM or any full date above) as the first day of that month. #}
{% macro parse_month(expr) -%}
    {%- set s = "regexp_replace(" ~ clean_code(expr) ~ ", '[/.]', '-', 'g')" -%}
    cast(case
        when regexp_full_match({{ s }}, '[0-9]{6}') then cast(try_strptime({{ s }}, '%Y%m') as date)
        when regexp_full_match({{ s }}, '[0-9]{4}-[0-9]{1,2}') then cast(try_strptime({{ s }}, '%Y-%m') as date)
        else date_trunc('month', {{ parse_date(expr) }})
    end as date)
{%- endmacro %}

{# True when a non-blank value did not parse (blank is not a parse failure). #}
{% macro unparseable(raw_expr, parsed_expr) -%}
    ({{ clean_code(raw_expr) }} is not null and {{ parsed_expr }} is null)
{%- endmacro %}
