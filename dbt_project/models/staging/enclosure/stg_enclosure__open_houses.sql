{{ stg_enclosure_koto_open_houses('enclosure') }}  -- noqa: PRS
