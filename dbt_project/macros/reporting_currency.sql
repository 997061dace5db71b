{#- Prices in one reporting currency, at the FX table's rates (seeds/fx_rates.csv, through
    int_fx_rates).

    The reporting currency is the var `reporting_currency` (default EUR), which the project sets
    from LISTINGS_REPORTING_CURRENCY (orchestration/settings.py) on every command it runs.

    An incremental mart with a reporting price keeps it in step with the rates: each build compares a
    digest of int_fx_rates (every rate, and the reporting currency) with the one its last build
    recorded in int_incremental_builds (model name `<model>:fx_rates`), and rebuilds every listing
    when they differ. A corrected or extended FX table, or another reporting currency, so reaches all
    history at the next build, without --full-refresh. -#}

{#- The reporting currency: the var, as an upper-case ISO 4217 code; anything else stops the build.
    The project's own commands check LISTINGS_REPORTING_CURRENCY before dbt starts (settings.py, for
    a message in the operator's terms); this check is for a var given to dbt by hand. -#}
{% macro reporting_currency() -%}
    {%- set code = var('reporting_currency', 'EUR') | string | trim | upper -%}
    {%- if not modules.re.fullmatch('[A-Z]{3}', code) -%}
        {{ exceptions.raise_compiler_error(
            "var reporting_currency=" ~ var('reporting_currency') ~ ": expected a three-letter ISO 4217 code,"
            ~ " such as EUR (set it with LISTINGS_REPORTING_CURRENCY)"
        ) }}
    {%- endif -%}
    {{ return(code) }}
{%- endmacro %}

{#- The model name under which a mart records the FX revision it was built with. -#}
{% macro fx_rates_build_name() -%}
    {{ return(this.identifier ~ ':fx_rates') }}
{%- endmacro %}

{#- A digest of the rates into the reporting currency, as one row: what a build's prices follow. -#}
{% macro fx_rates_revision() -%}
    select
        md5(
            '{{ reporting_currency() }}|'
            || coalesce(string_agg(
                currency || '|' || coalesce(cast(rate_date as varchar), '') || '|'
                || cast(reporting_per_unit as varchar),
                ';' order by currency, rate_date
            ), '')
        ) as fx_rates_revision
    from {{ ref('int_fx_rates') }}
{%- endmacro %}

{#- Whether the current model's last build recorded the rates as they are now (always true outside an
    incremental build: a first build, --full-refresh or a unit test reads every listing anyway);
    `recording`: asked by the post-hook, which records them after any build. -#}
{% macro fx_rates_are_recorded(recording=false) -%}
    {%- if not execute or not (is_incremental() or recording) -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set recorded = run_query(
        "select model_checksum from " ~ ref('int_incremental_builds') ~ " where model_name = '"
        ~ fx_rates_build_name() ~ "' order by built_at desc limit 1"
    ) -%}
    {%- set current = run_query(fx_rates_revision()).rows[0][0] -%}
    {{ return(recorded.rows | length > 0 and recorded.rows[0][0] == current) }}
{%- endmacro %}

{#- In the model body, after incremental_window: every listing is rebuilt when the rates changed. -#}
{% macro rebuild_every_listing_on_new_fx_rates(window) -%}
    {%- if not fx_rates_are_recorded() -%}
        {%- do window.update({'since': none}) -%}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook, after delete_changed_listings: removes every row when the rates changed. -#}
{% macro delete_every_listing_on_new_fx_rates() -%}
    {%- if not fx_rates_are_recorded() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: records the rates this build read, when they differ from the last ones recorded. -#}
{% macro record_fx_rates() -%}
    {%- if not fx_rates_are_recorded(recording=true) -%}
        insert into {{ ref('int_incremental_builds') }} (model_name, rebuilt_up_to, model_checksum, built_at)
        select
            '{{ fx_rates_build_name() }}',
            cast(null as timestamp with time zone),
            fx_rates.fx_rates_revision,
            {{ build_stamp() }}
        from ({{ fx_rates_revision() }}) as fx_rates
    {%- endif -%}
{%- endmacro %}
