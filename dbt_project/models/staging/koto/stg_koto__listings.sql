{{ stg_enclosure_koto_listings('koto') }}  -- noqa: PRS
