"""Enclosure/Koto HTTP: the key in the query string, and keyset paging on ``created_min``.

The API has no page parameter and no total, and returns at most 50 listings. Sorted by
``created_at`` ascending, the next page starts at the last listing's ``created_at``: ``created_min``
is inclusive and times have whole seconds, so listings sharing the boundary second are read again
(change detection stores them once) rather than skipped. If more than a page of listings share one
second, paging cannot pass it: the paginator steps one second on and reports the second it skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response

from dlt_sources.common.http import provider_session


def search_client(instance: str, account_id: str, base_url: str, key: str) -> RESTClient:
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=APIKeyAuth(name="key", api_key=key, location="query"),
        data_selector="data",
        session=provider_session(instance, account_id),
    )


def query_params(search: dict[str, Any]) -> dict[str, Any]:
    """A search as the API reads it: booleans as ``true``/``false`` (enclosure_koto.txt:222-224; Python
    would send ``True``); lists stay lists, which requests sends as a repeated parameter
    (``?states=NY&states=NJ``, enclosure_koto.txt:213-214)."""
    return {name: str(value).lower() if isinstance(value, bool) else value for name, value in search.items()}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class CreatedAtKeysetPaginator(BasePaginator):
    """Pages of ``limit`` listings by ``created_min`` on ``sort_by=created_at`` (ascending)."""

    def __init__(self, limit: int, created_min: str | None = None) -> None:
        super().__init__()
        self.limit, self.created_min = limit, created_min
        self.skipped_seconds: list[str] = []  # boundary seconds with more listings than a page
        self.complete = False  # the last page came back short: everything was listed

    def init_request(self, request: Request) -> None:
        self.update_request(request)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        records = data or []
        if len(records) < self.limit:
            self.complete, self._has_next_page = True, False
            return
        last = records[-1]["created_at"]
        if self.created_min is not None and parse_time(last) == parse_time(self.created_min):
            # a whole page in one second: the same request would return the same page forever
            self.skipped_seconds.append(last)
            last = _iso(parse_time(last) + timedelta(seconds=1))
        self.created_min = last

    def update_request(self, request: Request) -> None:
        if self.created_min is not None:
            request.params["created_min"] = self.created_min
