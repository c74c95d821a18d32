{#
  Resident ID numbers (GB 11643-1999). Mirrored in Python by canbao/idnumbers.py; tests/test_idnumbers_sql.py
  checks that both agree on thousands of random and garbled numbers.
#}

{# ISO 7064 MOD 11-2 check character of the first 17 digits of expr (expr must be 17+ digits). #}
{% macro id_check_char(expr) -%}
    {%- set weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] -%}
    substr('10X98765432', 1 + ((
        {%- for w in weights %}
        {{ w }} * cast(substr({{ expr }}, {{ loop.index }}, 1) as integer){{ ' +' if not loop.last }}
        {%- endfor %}
    ) % 11), 1)
{%- endmacro %}

{# NFKC, no whitespace, upper-case X, and "-"/"." separators dropped: the number as the sender meant it. #}
{% macro id_clean(expr) -%}
    upper(regexp_replace({{ nfkc(expr) }}, '[\s\x{00a0}\-\.]+', '', 'g'))
{%- endmacro %}

{# Standardised 18-character ID: 18 chars kept as is, 15 digits upgraded (insert '19', add check char);
   anything else NULL (not recoverable). #}
{% macro id_standardise(expr) -%}
    (case
        when regexp_full_match({{ id_clean(expr) }}, '[0-9]{17}[0-9X]') then {{ id_clean(expr) }}
        when regexp_full_match({{ id_clean(expr) }}, '[0-9]{15}') then
            left({{ id_clean(expr) }}, 6) || '19' || substr({{ id_clean(expr) }}, 7, 9)
            || {{ id_check_char("(left(" ~ id_clean(expr) ~ ", 6) || '19' || substr(" ~ id_clean(expr) ~ ", 7, 9))") }}
    end)
{%- endmacro %}

{# True when the cleaned raw value was a 15-digit legacy number. #}
{% macro id_was_15(expr) -%}
    coalesce(regexp_full_match({{ id_clean(expr) }}, '[0-9]{15}'), false)
{%- endmacro %}

{# Birth date embedded in a standardised ID (NULL when not a real date). #}
{% macro id_birth_date(std) -%}
    cast(try_strptime(substr({{ std }}, 7, 8), '%Y%m%d') as date)
{%- endmacro %}

{# '1' male (odd sequence digit), '2' female. #}
{% macro id_gender(std) -%}
    case when {{ std }} is not null
         then case when cast(substr({{ std }}, 17, 1) as integer) % 2 = 1 then '1' else '2' end end
{%- endmacro %}

{% macro id_check_ok(std) -%}
    ({{ std }} is not null and right({{ std }}, 1) = {{ id_check_char(std) }})
{%- endmacro %}

{# Valid: check character right, birth date a real date between 1880-01-01 and the period end, first two
   digits a GB/T 2260 province code. #}
{% macro id_is_valid(std, as_of) -%}
    coalesce(
        {{ id_check_ok(std) }}
        and {{ id_birth_date(std) }} between date '1880-01-01' and {{ as_of }}
        and left({{ std }}, 2) in (select province_code from {{ ref('gbt2260_provinces') }}),
        false)
{%- endmacro %}
