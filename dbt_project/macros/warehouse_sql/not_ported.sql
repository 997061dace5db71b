{#- Warehouse SQL: what a warehouse without its own version of a macro gets.
    The macros in this folder hold the only DuckDB-specific SQL in the project: models and the other
    macros call them and never write DuckDB syntax themselves. A new warehouse adds
    `<adapter>__<name>` versions in this folder (adapter.dispatch picks them by the target's type);
    until it does, each macro's `default__<name>` stops the compile here, naming the macro to write. -#}
{% macro warehouse_sql_not_ported(macro_name) -%}
    {{ exceptions.raise_compiler_error(
        macro_name ~ " has no implementation for adapter '" ~ adapter.type() ~ "': add "
        ~ adapter.type() ~ "__" ~ macro_name ~ " in macros/warehouse_sql/"
    ) }}
{%- endmacro %}
