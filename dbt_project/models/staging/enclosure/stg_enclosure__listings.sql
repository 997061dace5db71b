{{ stg_enclosure_koto_listings('enclosure') }}  -- noqa: PRS
