"""Photo mirror constants."""

DATASET = "photos"  # raw_photos: the mirror's own raw dataset
TABLE = "photo_downloads"  # one row per download attempt, append-only
# The dbt model that lists every photo of each listing's latest version with its source URL
# (dbt_project/models/intermediate/int_listing_photo_sources.sql)
PHOTO_SOURCES_RELATION = "intermediate.int_listing_photo_sources"
STORED, FAILED = "stored", "failed"  # a download attempt's outcome
# Pillow's format names -> the file extension a stored copy gets
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "TIFF": "tif", "BMP": "bmp"}
# the dlt settings a provider's source paces its requests by ([sources.<provider>]); a photo
# download of that provider waits its turn in the same quota
QUOTA_SETTINGS = ("max_requests_per_window", "rate_window_seconds")
# How long one run may spend downloading ([photos] download_budget_seconds): the rest waits for the next
DOWNLOAD_BUDGET_SECONDS = 900.0
# A photo host that gave no answer to this many photos in a row, each after its retry budget (minutes),
# is down: its account's other photos wait for the next run rather than spend the budget the same way
UNREACHABLE_PHOTOS_TO_STOP = 2
