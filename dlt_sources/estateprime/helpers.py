"""EstatePrime HTTP: a key header, and the page number in a JSON body sent with GET."""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator

from dlt_sources.common.http import data_path, provider_session, single_listing

from .settings import LISTINGS_PATH


def store_client(base_url: str, store_id: str, api_key: str, auth_header: str) -> RESTClient:
    """One store's client: each store (account) has its own key and sees only its own listings."""
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=APIKeyAuth(name=auth_header, api_key=api_key, location="header"),
        data_selector=data_path("data"),
        session=provider_session("estateprime", store_id),
    )


def listings_paginator() -> PageNumberPaginator:
    """``page`` travels in the JSON body (from 1); ``total_pages`` says when to stop."""
    return PageNumberPaginator(base_page=1, page_body_path="page", total_path="total_pages")


def listing_by_id(client: RESTClient, store_id: str, listing_id: str) -> dict[str, Any] | None:
    """``GET /api/listings/{id}`` (estateprime.txt:328-345): the listing under ``data``, or None (404)."""
    return single_listing(client, f"{LISTINGS_PATH}/{listing_id}", "estateprime", store_id, envelope="data")
