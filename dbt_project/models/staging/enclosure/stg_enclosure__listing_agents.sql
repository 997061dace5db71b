{{ stg_enclosure_koto_listing_agents('enclosure') }}  -- noqa: PRS
