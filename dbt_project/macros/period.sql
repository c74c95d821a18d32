{# The run's period (YYYY-MM) and its first/last day; validated so a typo fails loudly at compile time. #}
{% macro period() -%}
    {%- set p = var('period') | string -%}
    {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', p) -%}
        {{ exceptions.raise_compiler_error("var 'period' must be YYYY-MM, got '" ~ p ~ "'") }}
    {%- endif -%}
    '{{ p }}'
{%- endmacro %}

{% macro period_start() -%}
    cast({{ period() }} || '-01' as date)
{%- endmacro %}

{% macro period_end() -%}
    last_day(cast({{ period() }} || '-01' as date))
{%- endmacro %}

{# The month before the run's period (YYYY-MM), and its last day. #}
{% macro previous_period() -%}
    strftime({{ period_start() }} - interval 1 month, '%Y-%m')
{%- endmacro %}

{% macro previous_period_end() -%}
    ({{ period_start() }} - interval 1 day)::date
{%- endmacro %}
