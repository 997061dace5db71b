"""Apimo API constants (provider_docs/apimo.txt)."""

DEFAULT_BASE_URL = "https://api.apimo.pro"
PROPERTIES_PATH = "agencies/{agency_id}/properties"
PAGE_SIZE = 200  # the documented maximum of ``limit``
# Re-read this much before the last cursor: an update stamped just before a scan ended, or a
# clock that disagrees with ours, is read again; change detection drops what did not change.
CURSOR_OVERLAP_SECONDS = 3600
# Updated-since reads never see a deleted property: a full scan at least this often finds them.
RECONCILE_EVERY_HOURS = 24.0
