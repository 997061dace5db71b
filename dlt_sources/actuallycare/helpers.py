"""ActuallyCare HTTP: the REST client with its auth, paging and envelope."""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator

from dlt_sources.common.http import RequestPacer, data_path, provider_session, single_listing

from .settings import AUTH_HEADER, LISTINGS_PATH


def listings_client(base_url: str, account_id: str, api_key: str, pacer: RequestPacer | None) -> RESTClient:
    """Pages with ``page``/``limit``; ``data.meta.totalPages`` says when to stop."""
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=APIKeyAuth(name=AUTH_HEADER, api_key=api_key, location="header"),
        paginator=PageNumberPaginator(base_page=1, page_param="page", total_path="data.meta.totalPages"),
        data_selector=data_path("data.listings"),
        session=provider_session("actuallycare", account_id, pacer),
    )


def listing_detail(client: RESTClient, account_id: str, listing_id: str) -> dict[str, Any] | None:
    """``GET /v1/listings/{id}`` (actuallycare.txt:130-170): the listing's ``data``, or None when it
    is gone (404)."""
    return single_listing(client, f"{LISTINGS_PATH}/{listing_id}", "actuallycare", account_id, envelope="data")
