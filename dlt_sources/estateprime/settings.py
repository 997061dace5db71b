"""EstatePrime API constants (provider_docs/estateprime.txt)."""

DEFAULT_BASE_URL = "https://api.estateprime.gr/api"  # a guess: the document names no host; set base_url
LISTINGS_PATH = "listings"
PAGE_SIZE = 50  # fixed by the API ("results_per_page"); there is no page-size parameter
# The document's Authentication section is missing from our copy: the header name is a setting.
AUTH_HEADER = "X-Api-Key"
# Lookup lists: raw table name -> path.
LOOKUPS = {
    "sources": "listings/sources",
    "tags": "listings/tags",
    "custom_fields": "listings/custom-fields",
}
