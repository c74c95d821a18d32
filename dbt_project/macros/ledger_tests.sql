{# Contract: "For every group, the should-be-insured persons split exactly into insured, lapsed and never".
   Fails on any ledger row where should-be is not exactly one of the three, or a non-should row has one. #}
{% test ledger_should_splits(model) %}
select *
from {{ model }}
where (is_should_insure and (cast(is_insured as int) + cast(is_lapsed as int) + cast(is_never as int)) <> 1)
   or (not is_should_insure and (is_lapsed or is_never or status <> 'not_required'))
   or (is_should_insure and status <> case when is_insured then 'insured' when is_lapsed then 'lapsed' else 'never' end)
{% endtest %}
