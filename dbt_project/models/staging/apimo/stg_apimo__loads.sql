{{ stg_dlt_loads('raw_apimo') }}
