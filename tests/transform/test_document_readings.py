"""The whole pipeline under the readings of the documents that are not the sandbox's defaults.

Where a document is silent, the sandbox serves each reasonable reading behind a switch (the
defaults run in test_marts_scenario.py). Here all the others at once, two days through dlt and dbt:
Apimo in public mode (no `status`, `group` or other private-mode fields, apimo.txt:192-210: the
status comes from `step`), EstatePrime's key after `Authorization: Bearer`, EstatePrime deletions
that take a listing away (rather than a `deleted` status still served) and drafts kept out of the
list, Enclosure/Koto accepting times without an offset, and ActuallyCare's list records as 12-field
summaries, completed by the single-listing endpoint (in full, or as its 14-field example). The marts
equal the sandbox's truth: every listing, its status and its price.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from listings_sandbox import Sandbox, SandboxConfig
from orchestration.registry import provider_names

from .conftest import unified_status
from .sandbox_loads import load_sandbox_days

pytestmark = pytest.mark.slow  # a dbt build: started first under pytest-xdist (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
# Two sets of readings, each different from the defaults wherever a switch has more than two values
OTHER_READINGS = {
    "readings-a": SandboxConfig(
        seed=17,
        total_listings=600,
        options={
            "avaroai": {"rate_limit": (20, 1.0)},
            "apimo": {"public_mode": True},
            "estateprime": {
                "auth_header": "Authorization",
                "auth_scheme": "Bearer",
                "soft_delete": False,  # a deletion takes the listing away (404, absent from the list)
                "drafts_listed": False,  # drafts are not in the unfiltered list
            },
            "enclosure": {"strict_times": False},
            "koto": {"strict_times": False},
            "actuallycare": {
                "records": "summary",  # 12-field list records, the full object from GET /v1/listings/{id}
                "rate_limit": None,  # one detail request per new listing: the quota has its own tests
            },
        },
    ),
    "readings-b": SandboxConfig(
        seed=19,
        total_listings=600,
        open_world=False,  # only the values the documents list
        options={
            "avaroai": {"rate_limit": (20, 1.0)},
            # list and detail exactly as the document's examples
            "actuallycare": {"records": "document", "rate_limit": None},
            "apimo": {"document_example": False},  # the example property not among Apimo's records
            # more than two pages of listings created in one second, on day 1
            "enclosure": {"same_second_burst": 120},
            "koto": {"same_second_burst": 120},
        },
    ),
}
ListingId = tuple[str, str, str]


@pytest.fixture(scope="module", params=sorted(OTHER_READINGS))
def marts_and_truth(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[dict, dict]]:
    folder = tmp_path_factory.mktemp(request.param)
    with pytest.MonkeyPatch.context() as env, Sandbox(OTHER_READINGS[request.param]) as sandbox:
        truth = load_sandbox_days(env, sandbox, folder)[-1]
        build = subprocess.run(
            [
                str(Path(sys.executable).parent / "listings"),
                "dbt",
                "build",
                "--target-path",
                str(folder / "target"),
                "--log-path",
                str(folder / "logs"),
            ],
            cwd=REPO,
            env=dict(os.environ),
            capture_output=True,
            text=True,
        )
        assert build.returncode == 0, build.stdout[-5000:]
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as warehouse:
        rows = warehouse.execute(
            "select source, account_id, source_listing_id, status, list_price, price_is_hidden, removed_at "
            "from marts.listings"
        ).fetchall()
    yield {tuple(row[:3]): row[3:] for row in rows}, truth


def test_every_listing_status_and_price_equals_the_truth(marts_and_truth: tuple[dict, dict]) -> None:
    marts, truth = marts_and_truth
    expected: dict[ListingId, Any] = {}
    actual: dict[ListingId, Any] = {}
    for key, record in truth.items():
        if key not in marts:
            if record["is_listed"]:
                expected[key], actual[key] = "listed", "missing from the marts"
            continue
        status, price, _hidden, removed_at = marts[key]
        if record["is_listed"]:
            expected[key] = (unified_status(key[0], record["status"]), Decimal(record["price"]))
            actual[key] = (status, price)
        else:
            expected[key], actual[key] = "removed", "removed" if removed_at is not None else status
    wrong = {key: (expected[key], actual[key]) for key in expected if expected[key] != actual[key]}
    assert not wrong, f"{len(wrong)} of {len(expected)} differ, e.g. {list(wrong.items())[:5]}"
    assert {key[0] for key in expected} == set(provider_names())
    assert {status for status, _ in (v for v in expected.values() if isinstance(v, tuple))} >= {"active", "pending"}
