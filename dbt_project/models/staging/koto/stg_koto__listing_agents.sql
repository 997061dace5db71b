{{ stg_enclosure_koto_listing_agents('koto') }}  -- noqa: PRS
