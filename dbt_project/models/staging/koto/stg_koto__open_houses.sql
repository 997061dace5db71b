{{ stg_enclosure_koto_open_houses('koto') }}  -- noqa: PRS
