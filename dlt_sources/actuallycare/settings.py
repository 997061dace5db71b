"""ActuallyCare API constants (provider_docs/actuallycare.txt)."""

DEFAULT_BASE_URL = "https://api.actuallycare.com/v1"
LISTINGS_PATH = "listings"
PAGE_SIZE = 100  # the documented maximum of ``limit``
AUTH_HEADER = "X-API-Key"
# Recomputed by the API on every read: excluded from change detection, kept in the payload.
VOLATILE_FIELDS = ("days_on_market",)
# Which list records get the single-listing request: see the package docstring
DETAIL_RECORDS = ("auto", "always", "never")
