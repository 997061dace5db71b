-- A failure means a photo of marts.listing_photos has a content hash without a stored copy (or the
-- other way round), or a hash that is not 64 lower-case hex characters, or a copy whose file name is
-- not its hash: the mirror's store is content-addressed, so a copy named otherwise was not written by it.
select
    listing_key,
    position,
    stored_uri,
    sha256
from {{ ref('listing_photos') }}
where
    (stored_uri is null) <> (sha256 is null)
    or length(sha256) <> 64
    or sha256 <> lower(sha256)
    or stored_uri not like '%' || sha256 || '.%'
