{# Ledger helpers (owner: ledger/marts). Period bounds come from macros/period.sql. #}

{# Kinds from the contract: snapshot sources are read for the run's period only, event sources
   accumulate every period up to and including it (staging keeps earlier periods). #}
{% macro ledger_event_sources() -%}
    ('si_benefit', 'tax_withholding', 'hfp_vital', 'ca_death', 'survey_returns', 'audit_verdicts')
{%- endmacro %}

{% macro ledger_in_scope(source_col='source', period_col='period') -%}
    (({{ source_col }} in {{ ledger_event_sources() }} and {{ period_col }} <= {{ period() }})
     or ({{ source_col }} not in {{ ledger_event_sources() }} and {{ period_col }} = {{ period() }}))
{%- endmacro %}

{# First day of the 3-month window that ends with the period (months P-2, P-1, P): "the last 3 months". #}
{% macro ledger_window_start() -%}
    cast({{ period_start() }} - interval 2 month as date)
{%- endmacro %}

{# 500107********123X: address code and last four kept, birth date and sequence hidden. #}
{% macro ledger_mask_id(expr) -%}
    case when {{ expr }} is null then null
         when length({{ expr }}) >= 10 then left({{ expr }}, 6) || repeat('*', length({{ expr }}) - 10) || right({{ expr }}, 4)
         else repeat('*', length({{ expr }})) end
{%- endmacro %}

{# 138****5678 for mobiles; other numbers keep only their last four characters. #}
{% macro ledger_mask_phone(expr) -%}
    case when {{ expr }} is null then null
         when length({{ expr }}) = 11 then left({{ expr }}, 3) || '****' || right({{ expr }}, 4)
         when length({{ expr }}) > 4 then repeat('*', length({{ expr }}) - 4) || right({{ expr }}, 4)
         else repeat('*', length({{ expr }})) end
{%- endmacro %}

{# Stable short id from a text key (worklist items, findings). #}
{% macro ledger_hash_id(prefix, expr) -%}
    '{{ prefix }}' || upper(left(md5({{ expr }}), 12))
{%- endmacro %}

{# arg_min(value, key) that picks the same row on every run: among rows with equal keys (same trust and period)
   plain arg_min takes whichever row a thread saw first, so a person's phone or ID number could change from one
   run to the next. The record_key's hash breaks the tie, packed below the key in one HUGEINT (+0.3 s of 3 s at
   1 M persons; a STRUCT(key, record_key) comparison cost +0.8 s). The same record wins every attribute with the
   same key, so district and township come from one record. Needs a `record_key` column. #}
{% macro ledger_survivor(value, key) -%}
    arg_min({{ value }}, {{ key }}::hugeint * 18446744073709551616 + hash(record_key))
{%- endmacro %}
