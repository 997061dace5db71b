"""ActuallyCare HTTP: the REST client with its auth, paging and envelope."""

from __future__ import annotations

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator

from .settings import AUTH_HEADER


def listings_client(base_url: str, api_key: str) -> RESTClient:
    """Pages with ``page``/``limit``; ``data.meta.totalPages`` says when to stop.

    dlt's client retries 429 (honouring Retry-After) and 5xx with backoff.
    """
    return RESTClient(
        base_url=base_url.rstrip("/") + "/",
        headers={"Accept": "application/json"},
        auth=APIKeyAuth(name=AUTH_HEADER, api_key=api_key, location="header"),
        paginator=PageNumberPaginator(base_page=1, page_param="page", total_path="data.meta.totalPages"),
        data_selector="data.listings",
    )
