"""Enclosure/Koto API constants (provider_docs/enclosure_koto.txt)."""

# One API on two hosts; each configured instance sets its own base_url.
BASE_URLS = {"enclosure": "https://api.enclosurehomes.com/v1", "koto": "https://api.kotohomes.com/v1"}
LISTINGS_PATH = "listings"
PAGE_SIZE = 50  # the documented maximum of ``limit``
KEYSET_SORT = "created_at"  # ascending is the documented default direction
# Search parameters that count as the mandatory constraint; lat/long/radius only all together.
GEO_CONSTRAINT = ("latitude", "longitude", "radius")
CONSTRAINTS = ("territory", "zip_codes", "mls_numbers")
# The other documented search filters, allowed in ``filters``.
FILTERS = (
    "type",
    "property_types",
    "states",
    "price_min",
    "price_max",
    "living_area_min",
    "living_area_max",
    "year_built_min",
    "year_built_max",
    "bedrooms_min",
    "bedrooms_max",
    "bathrooms_min",
    "bathrooms_max",
    "open_houses_only",
)
CURSOR_OVERLAP_SECONDS = 3600
RECONCILE_EVERY_HOURS = 24.0
