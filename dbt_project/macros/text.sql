{#
  Text normalisation done in SQL (vectorised) rather than a Python UDF: full-width ASCII (U+FF01..U+FF5E)
  and the ideographic space map to their ASCII forms, which is what NFKC does for the characters that occur
  in IDs, codes, phones and dates. nfc_normalize composes the rest; then trim, blank -> NULL.
#}
{% macro nfkc(expr) -%}
    translate(nfc_normalize({{ expr }}),
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　',
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ')
{%- endmacro %}

{# NFKC, trimmed (incl. tabs/no-break spaces), blank -> NULL. #}
{% macro clean_text(expr) -%}
    nullif(trim(regexp_replace({{ nfkc(expr) }}, '[\s\x{00a0}]+', ' ', 'g')), '')
{%- endmacro %}

{# Codes/numbers: NFKC and every whitespace removed, blank -> NULL. #}
{% macro clean_code(expr) -%}
    nullif(regexp_replace({{ nfkc(expr) }}, '[\s\x{00a0}]+', '', 'g'), '')
{%- endmacro %}
