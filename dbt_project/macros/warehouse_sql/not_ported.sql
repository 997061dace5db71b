{#- Warehouse SQL: what a warehouse without its own version of a macro gets (see README.md in this
    folder): each dispatched macro's `default__<name>` stops the compile here, naming the macro to
    write. -#}
{% macro warehouse_sql_not_ported(macro_name) -%}
    {{ exceptions.raise_compiler_error(
        macro_name ~ " has no implementation for adapter '" ~ adapter.type() ~ "': add "
        ~ adapter.type() ~ "__" ~ macro_name ~ " in macros/warehouse_sql/"
    ) }}
{%- endmacro %}
