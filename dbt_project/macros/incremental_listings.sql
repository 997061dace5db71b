{#- How the models after int_listing_versions rebuild only the listings that changed.

    The models that read raw directly (int_listing_misses) or the versions (int_listing_timeline)
    find their new rows by load, as int_listing_versions does. Each stamps the rows it (re)writes with
    the build's start (`rebuilt_at`, see build_stamp). The models downstream of them (the marts, and
    int_listing_states for marts.listings) rebuild each listing with a row stamped since their own
    last build, with delete+insert on listing_key; since the marts' contracts leave no room for a
    bookkeeping column, each records in int_incremental_builds, in a post-hook inside its own
    transaction, up to which stamp it has read (a failed or skipped build records nothing, so the
    next one takes its listings again). A model whose code changed since its last build rebuilds
    every listing, as its first build does; `--full-refresh` rebuilds from raw. -#}

{#- When this build started, as a timestamp with time zone: the `rebuilt_at` of every row it writes. -#}
{% macro build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamp with time zone)
{%- endmacro %}

{#- A timestamp read back from the warehouse (a Python datetime) as a SQL literal. -#}
{% macro timestamp_literal(value) -%}
    cast('{{ value.isoformat() }}' as timestamp with time zone)
{%- endmacro %}

{#- A condition true on the rows of the given loads: `loads` maps a source to its load ids (false
    when there are none). Literal lists, so that the engine can filter a raw scan by them. -#}
{% macro loads_condition(loads) -%}
    {%- if loads -%}
        ({% for source, load_ids in loads.items() -%}
            (source = '{{ source }}' and load_id in ('{{ load_ids | join("', '") }}'))
            {%- if not loop.last %} or {% endif -%}
        {%- endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- (source, load_id) pairs a query returns, grouped as loads_condition takes them. -#}
{% macro loads_by_source(sql) -%}
    {%- set loads = {} -%}
    {%- for row in run_query(sql).rows -%}
        {%- do loads.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
    {{ return(loads) }}
{%- endmacro %}

{#- The window of stamps (`rebuilt_at`) this build of the current model reads, as {since, up_to}:
    - up_to: the latest stamp in `stamped` (the relations it reads that carry one), or, when
      `after` names models this one reads instead (a deprecated version reads the latest one), the
      stamp those have all read up to: a listing they have not rebuilt yet waits for them;
    - since: up to where its last build read, or none (rebuild every listing) on its first build,
      after its code changed, or without an incremental build (unit tests, --full-refresh).
    Called by the model, and again by its post-hook (record_incremental_build): nothing writes what
    it reads in between (one writer at a time on the warehouse). -#}
{% macro incremental_window(stamped=[], after=[], recording=false) -%}
    {%- set window = {'since': none, 'up_to': none} -%}
    {%- if not execute or not (is_incremental() or recording) -%}
        {{ return(window) }}
    {%- endif -%}
    {%- set builds = ref('int_incremental_builds') -%}
    {%- if after -%}
        {%- set up_to_sql -%}
            select min(rebuilt_up_to) from (
                {%- for name in after %}
                select max(rebuilt_up_to) as rebuilt_up_to from {{ builds }} where model_name = '{{ name }}'
                {%- if not loop.last %} union all{% endif -%}
                {% endfor %}
            ) as upstream_builds
        {%- endset -%}
    {%- else -%}
        {%- set up_to_sql -%}
            select max(rebuilt_at) from (
                {%- for relation in stamped %}
                select max(rebuilt_at) as rebuilt_at from {{ relation }}
                {%- if not loop.last %} union all{% endif -%}
                {% endfor %}
            ) as upstream_stamps
        {%- endset -%}
    {%- endif -%}
    {%- do window.update({'up_to': run_query(up_to_sql).rows[0][0]}) -%}
    {%- if is_incremental() -%}
        {%- set last_build = run_query(
            "select rebuilt_up_to from " ~ builds ~ " where model_name = '" ~ this.identifier
            ~ "' and model_checksum = '" ~ model.checksum.checksum ~ "' order by built_at desc limit 1"
        ) -%}
        {%- if last_build.rows and last_build.rows[0][0] is not none -%}
            {%- do window.update({'since': last_build.rows[0][0]}) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(window) }}
{%- endmacro %}

{#- A condition true on the rows of a stamped relation that `window` (incremental_window) reads;
    every row when it rebuilds every listing. -#}
{% macro stamped_in(window, column='rebuilt_at') -%}
    {%- if window.since is none -%}
        true
    {%- else -%}
        {{ column }} > {{ timestamp_literal(window.since) }}
        {%- if window.up_to is not none %} and {{ column }} <= {{ timestamp_literal(window.up_to) }}{% endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of every model that reads an incremental_window: records up to which stamp it
    read, with its code's checksum (a changed model rebuilds every listing). -#}
{% macro record_incremental_build(stamped=[], after=[]) -%}
    {%- set window = incremental_window(stamped, after, recording=true) -%}
    insert into {{ ref('int_incremental_builds') }} (model_name, rebuilt_up_to, model_checksum, built_at)
    values (
        '{{ this.identifier }}',
        {% if window.up_to is none %}cast(null as timestamp with time zone){% else %}{{ timestamp_literal(window.up_to) }}{% endif %},
        '{{ model.checksum.checksum }}',
        {{ build_stamp() }}
    )
{%- endmacro %}

{#- The listings a model reading `window` (incremental_window) rebuilds: those whose timeline rows
    were written in the window, and with `first_loads`, also those whose account's first load did
    change in it (int_account_first_loads: their first event's type depends on it). -#}
{% macro changed_listings(window, first_loads=false) -%}
    select changed_rows.listing_key
    from {{ ref('int_listing_timeline') }} as changed_rows
    where {{ stamped_in(window, 'changed_rows.rebuilt_at') }}
    {%- if first_loads %}
    union
    select first_rows.listing_key
    from {{ ref('int_listing_timeline') }} as first_rows
    inner join {{ ref('int_account_first_loads') }} as changed_accounts
        on changed_accounts.source = first_rows.source
        and changed_accounts.account_id = first_rows.account_id
    where first_rows.sequence_number = 1 and {{ stamped_in(window, 'changed_accounts.rebuilt_at') }}
    {%- endif %}
{%- endmacro %}

{#- The pre-hook of the listing-keyed incremental marts: removes the rows of every listing the build
    rebuilds, all of them when it rebuilds every listing. delete+insert alone would replace only the
    listings the build writes rows for, and keep the old rows of one left with none (a latest
    version without photos). -#}
{% macro delete_changed_listings(stamped=[], after=[], first_loads=false) -%}
    {%- if is_incremental() -%}
        {%- set window = incremental_window(stamped, after) -%}
        delete from {{ this }}
        {%- if window.since is not none %}
        where listing_key in ({{ changed_listings(window, first_loads) }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#- A condition on `column` (a listing key) true for the listings the build rebuilds: those of the
    model's `changed_listings` CTE, or every listing. -#}
{% macro is_changed_listing(window, column='listing_key') -%}
    {%- if window.since is none -%}
        true
    {%- else -%}
        {{ column }} in (select changed_listings.listing_key from changed_listings)
    {%- endif -%}
{%- endmacro %}
