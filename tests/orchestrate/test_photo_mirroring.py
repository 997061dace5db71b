"""The photo mirror through `listings run`: Dagster, dbt's photo list, the mirror, its raw records and
marts.listing_photos, against the sandbox over real HTTP. The first run builds the photo list, the
second mirrors it (the mirror reads the list the last dbt build left: orchestration/defs/photos); the
mirror materialized again then finds nothing new to fetch."""

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import fsspec
import pytest
from PIL import Image

from dlt_sources.photos.helpers import PhotoStore
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.cli.runs import run_pipeline
from orchestration.definitions import build_definitions
from orchestration.defs.photos.assets import build_photo_mirror, read_photo_work
from orchestration.registry import PROVIDERS
from orchestration.warehouse.resource import Warehouse, warehouse_resource

pytestmark = pytest.mark.slow

PHOTOS_PATH = "/storage/photos/"


@dataclass
class MirroredWarehouse:
    warehouse: Path
    photo_requests: list[int]  # photo requests the sandbox served during each run
    check_passed: bool  # the mirror's check, when it was materialized alone

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirroredWarehouse]:
    data = tmp_path_factory.mktemp("photo-mirror")
    config = SandboxConfig(seed=3, total_listings=170, options={"avaroai": {"rate_limit": (20, 0.2)}})
    with pytest.MonkeyPatch.context() as environment, Sandbox(config) as sandbox:
        environment.setenv("LISTINGS_DATA_DIR", str(data))
        environment.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
        environment.delenv("LISTINGS_MIRROR_PHOTOS", raising=False)
        environment.delenv("LISTINGS_PHOTO_STORE", raising=False)
        for name, value in sandbox.dlt_environment().items():
            environment.setenv(name, value)

        def served() -> int:
            return sum(1 for _, path, _ in sandbox.app("avaroai").request_log if path.startswith(PHOTOS_PATH))

        requests = []
        for raw in (True, False):  # every provider's raw load and the marts; then the marts alone
            before = served()
            outcome = run_pipeline(raw=raw, in_process=True)
            assert outcome.outcome == "succeeded", outcome
            requests.append(served() - before)
        before = served()  # the mirror alone, once more
        mirror = build_photo_mirror(PROVIDERS)
        result = dg.materialize([mirror], resources={"warehouse": warehouse_resource()})
        assert result.success
        requests.append(served() - before)
        (check,) = result.get_asset_check_evaluations()
        yield MirroredWarehouse(data / "warehouse.duckdb", requests, check.passed)


def test_the_first_run_mirrors_every_avaroai_photo_by_its_hash_with_pillows_size(mirrored: MirroredWarehouse) -> None:
    listed = mirrored.query(
        "select source_url from intermediate.int_listing_photo_sources where source = 'avaroai' order by 1"
    )
    stored = mirrored.query(
        "select source_url, sha256, byte_size, width, height, stored_uri from raw_photos.photo_downloads"
        " where status = 'stored' order by 1"
    )
    # the first run copies every photo after its publish (from the photo list its build made); the
    # second finds nothing new to copy
    assert mirrored.photo_requests[:2] == [len(listed), 0]
    assert [row[0] for row in stored] == [row[0] for row in listed]
    for _, sha256, byte_size, width, height, stored_uri in stored:
        assert stored_uri.startswith("file://") and "/photos/avaroai/" in stored_uri  # the data folder's store
        body = fsspec.open(stored_uri, "rb").open().read()
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (sha256, byte_size)
        with Image.open(io.BytesIO(body)) as image:
            assert image.size == (width, height)


def test_a_run_after_the_mirror_downloads_no_unchanged_photo(mirrored: MirroredWarehouse) -> None:
    assert mirrored.photo_requests[2] == 0
    assert mirrored.query("select count(*) from raw_photos.photo_downloads where status = 'failed'") == [(0,)]
    assert mirrored.check_passed  # every photo to keep a copy of is stored


def test_the_mart_carries_each_photos_copy_as_the_mirror_recorded_it(mirrored: MirroredWarehouse) -> None:
    mart = mirrored.query("""
        select listing_key, position, stored_uri, sha256, width, height
        from marts.listing_photos where listing_key like 'avaroai:%' order by 1, 2
    """)
    recorded = mirrored.query("""
        select sources.listing_key, sources.position, downloads.stored_uri, downloads.sha256,
            cast(downloads.width as integer), cast(downloads.height as integer)
        from intermediate.int_listing_photo_sources as sources
        inner join raw_photos.photo_downloads as downloads
            on downloads.source_url = sources.source_url and downloads.status = 'stored'
        where sources.source = 'avaroai'
        order by 1, 2
    """)
    assert mart == recorded
    assert all(row[2] is not None for row in mart) and len(mart) > 50


def test_providers_that_allow_hotlinking_are_not_mirrored_by_default(mirrored: MirroredWarehouse) -> None:
    assert mirrored.query("select distinct source from raw_photos.photo_downloads") == [("avaroai",)]
    others = mirrored.query("""
        select count(*), count(stored_uri), count(sha256)
        from marts.listing_photos where listing_key not like 'avaroai:%'
    """)
    assert others[0][0] > 0 and others[0][1:] == (0, 0)


def test_an_unknown_provider_to_mirror_fails_the_definitions_naming_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LISTINGS_MIRROR_PHOTOS", "avaroai,flickr")
    with pytest.raises(ValueError, match="LISTINGS_MIRROR_PHOTOS names flickr.*choose from .*avaroai"):
        build_definitions()


def test_a_store_moved_elsewhere_gets_every_photo_again(mirrored: MirroredWarehouse, tmp_path: Path) -> None:
    """What counts as stored is a copy in the store now configured (LISTINGS_PHOTO_STORE): pointed at a
    new bucket or folder, the mirror copies every photo there rather than trust the old store's copies."""
    warehouse = Warehouse(path=str(mirrored.warehouse))
    (uri,) = {row[0] for row in mirrored.query("select stored_uri from raw_photos.photo_downloads limit 1")}
    old_root = uri.split("/avaroai/")[0]
    listed, stored_here = read_photo_work(warehouse, None, old_root)
    assert listed and stored_here == {photo.source_url for photo in listed}
    _, stored_elsewhere = read_photo_work(warehouse, None, PhotoStore(str(tmp_path / "new-store")).root_uri)
    assert stored_elsewhere == set()
