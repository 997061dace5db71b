"""AvaroAI HTTP: Bearer auth, ``links.next`` paging, and client-side pacing to the quota."""

from __future__ import annotations

from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator

from dlt_sources.common.http import RequestPacer, data_path, provider_session


def listings_client(base_url: str, account_id: str, api_key: str, pacer: RequestPacer | None) -> RESTClient:
    """Follows ``links.next`` until it is null (the API sends no total)."""
    return RESTClient(
        base_url=base_url + "/",
        headers={"Accept": "application/json"},
        auth=BearerTokenAuth(api_key),
        paginator=JSONLinkPaginator(next_url_path="links.next"),
        data_selector=data_path("data"),
        session=provider_session("avaroai", account_id, pacer),
    )
