"""Apimo HTTP: basic auth ``provider:token`` and limit/offset paging over ``total_items``."""

from __future__ import annotations

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import HttpBasicAuth
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator

from dlt_sources.common.http import provider_session


def properties_client(base_url: str, provider: str, token: str, page_size: int) -> RESTClient:
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=HttpBasicAuth(provider, token),
        paginator=OffsetPaginator(
            limit=page_size, offset_param="offset", limit_param="limit", total_path="total_items"
        ),
        session=provider_session("apimo"),
    )
