{# The staging models that carry persons, with the expressions that give each one the linkage input's shape
   (int_person_records; their names also feed int_person_names). Missing keys are NULL. #}
{% macro person_sources() -%}
{{ return({
    'stg_si_employee__enrollments': {'birth': 'birth_date', 'gender': 'gender', 'township': 'null', 'phone': 'phone',
                                     'address': 'address'},
    'stg_si_resident__enrollments': {'birth': 'birth_date', 'gender': 'gender', 'township': 'township_code',
                                     'phone': 'phone', 'address': 'address'},
    'stg_si_benefit__payments': {},
    'stg_ps_hukou__residents': {'birth': 'birth_date', 'gender': 'gender', 'township': 'township_code',
                                'address': 'address', 'household': 'household_no'},
    'stg_ps_residence__permits': {'birth': 'birth_date', 'gender': 'gender', 'township': 'township_code',
                                  'phone': 'phone', 'address': 'address'},
    'stg_hfp_vital__events': {'birth': 'birth_date', 'gender': 'gender', 'mother': 'mother_id_number'},
    'stg_ca_death__records': {'gender': 'gender'},
    'stg_ca_assistance__recipients': {'township': 'township_code'},
    'stg_tax_withholding__withholdings': {'district': 'null'},
    'stg_survey_returns__visits': {'birth': 'birth_date', 'gender': 'gender', 'township': 'township_code',
                                   'phone': 'phone', 'address': 'household_address', 'district': 'left(township_code, 6)'},
}) }}
{%- endmacro %}
