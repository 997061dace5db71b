{{ stg_dlt_loads('raw_actuallycare') }}
