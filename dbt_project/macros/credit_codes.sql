{# Employer identifiers. Mirrored in canbao/idnumbers.py (uscc_check_char, registration_no_is_valid). #}

{# GB 32100-2015 unified social credit code: 18 chars, check char from weights 3^i mod 31. #}
{% macro uscc_is_valid(code) -%}
    {%- set alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY' -%}
    {%- set weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] -%}
    coalesce(
        regexp_full_match({{ code }}, '[0-9A-HJ-NP-RT-UW-Y]{18}')
        and right({{ code }}, 1) = substr('{{ alphabet }}', 1 + ((31 - ((
            {%- for w in weights %}
            {{ w }} * (strpos('{{ alphabet }}', substr({{ code }}, {{ loop.index }}, 1)) - 1){{ ' +' if not loop.last }}
            {%- endfor %}
        ) % 31)) % 31), 1),
        false)
{%- endmacro %}

{# 15-digit 工商注册号, ISO 7064 MOD 11,10 check digit. #}
{% macro registration_no_is_valid(code) -%}
    coalesce(
        regexp_full_match({{ code }}, '[0-9]{15}')
        and try_cast(right({{ code }}, 1) as integer) = (11 - list_reduce(
            list_transform(string_split(left({{ code }}, 14), ''), lambda d: try_cast(d as integer)),
            lambda p, d: (case when (p + d) % 10 = 0 then 10 else (p + d) % 10 end) * 2 % 11,
            10)) % 10,
        false)
{%- endmacro %}
