"""AvaroAI API constants (provider_docs/avaroai.txt)."""

DEFAULT_BASE_URL = "https://app.avaroai.com/api/v1"
LISTINGS_PATH = "listings"
PAGE_SIZE = 20  # fixed by the API; there is no page-size parameter
# "API requests are limited to 20 requests per minute."
MAX_REQUESTS_PER_WINDOW = 20
RATE_WINDOW_SECONDS = 60.0
# No total is sent, so a page shift mid-scan cannot be seen: two complete scans must miss a listing.
REMOVAL_CONFIRMATIONS = 2
