{#- The provider registry (orchestration/registry.py), which every dbt command the project runs
    passes as the var `provider_registry`: JSON text (`--vars '{"provider_registry": "{...}"}'`)
    of each source's settings, in registry order. Dagster's dbt assets and `listings dbt` pass it,
    and `make lint` gives it to SQLFluff (scripts/lint_sql.py); a hand-run `dbt` fails here, naming
    the command to use. The registry is the only list of sources: the unions read every source in
    it, and a provider's staging models and raw sources are enabled only while it is listed. -#}

{#- source name -> {currency, country_code, timezone}: what its API does not say about its listings
    (the timezone is used only where an API sends local times without an offset). -#}
{% macro provider_registry() -%}
    {%- set registry = var('provider_registry', '') -%}
    {%- if not registry -%}
        {{ exceptions.raise_compiler_error(
            "no provider registry: run dbt as `listings dbt <command>`, which passes it "
            ~ "(the var provider_registry, from orchestration/registry.py)"
        ) }}
    {%- endif -%}
    {{ return(fromjson(registry) if registry is string else registry) }}
{%- endmacro %}

{#- The sources whose staging models (stg_<source>__listings and stg_<source>__loads) feed the marts. -#}
{% macro listing_sources() -%}
    {{ return(provider_registry().keys() | list) }}
{%- endmacro %}

{#- What the registry says of `source`'s listings: {currency, country_code, timezone}; empty for a
    source it does not list, whose models are disabled (dbt still renders them while parsing). -#}
{% macro provider_settings(source) -%}
    {{ return(provider_registry().get(source, {})) }}
{%- endmacro %}
