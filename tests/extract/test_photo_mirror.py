"""The photo mirror's downloads (dlt_sources/photos) against the sandbox's AvaroAI photos over real
HTTP: what is stored, what is fetched again, what a failure leaves, and an S3-compatible store (moto's
real server). The pipeline around it (dbt's photo list, the raw table, the mart) is
tests/orchestrate/test_photo_mirroring.py's."""

import hashlib
import io
import shutil
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import dlt
import duckdb
import fsspec
import pytest
import requests
from PIL import Image

from dlt_sources.avaroai import avaroai_source
from dlt_sources.photos import photos_source, photos_to_download
from dlt_sources.photos.helpers import PhotoSource, PhotoStore
from dlt_sources.photos.settings import FAILED, STORED, TABLE
from listings_sandbox import Sandbox, SandboxConfig

PHOTOS_PATH = "/storage/photos/"


@pytest.fixture
def sandbox(start_pipeline_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A small sandbox (about 20 AvaroAI listings, 100 photos) whose AvaroAI quota is the documented 20
    requests in a window shrunk to 0.2 s (the client paces photos to it, from the same settings)."""
    return start_pipeline_sandbox(
        SandboxConfig(seed=3, total_listings=170, options={"avaroai": {"rate_limit": (20, 0.2)}})
    )


def served_photos(sandbox: Sandbox) -> list[PhotoSource]:
    """Every photo the AvaroAI API serves now, its `large` URL (avaroai.txt:138) as the mirror gets it."""
    info = sandbox.host_info("avaroai")
    photos, url = [], info["base_url"] + "/listings"
    while url:
        page = requests.get(url, headers={"Authorization": f"Bearer {info['api_key']}"}, timeout=10)
        if page.status_code == 429:  # the test's own reads share the shrunk quota window
            time.sleep(0.05)
            continue
        body = page.json()
        for listing in body["data"]:
            photos += [
                PhotoSource(
                    "avaroai", "default", f"avaroai:default:{listing['id']}", photo["index"] + 1, photo["large"]
                )
                for photo in listing["photos"]
            ]
        url = body["links"]["next"]
    return photos


def mirror(photos: list[PhotoSource], store: PhotoStore, outcomes: Counter | None = None, **options) -> list[dict]:
    """The records one mirror run loads for ``photos``: the dlt resource run by a real pipeline into a
    DuckDB file of its own, read back in the order they were made."""
    outcomes = Counter() if outcomes is None else outcomes
    source = photos_source(photos, store, {"avaroai": avaroai_source}, outcomes, **options)
    folder = Path(tempfile.mkdtemp(prefix="photo-mirror-"))
    pipeline = dlt.pipeline(
        pipeline_name="photo_mirror_test",
        pipelines_dir=str(folder / "pipelines"),
        destination=dlt.destinations.duckdb(str(folder / "mirror.duckdb")),
        dataset_name="raw_photos",
    )
    pipeline.run(source)
    with duckdb.connect(str(folder / "mirror.duckdb"), read_only=True) as con:
        tables = con.execute("select table_name from duckdb_tables() where schema_name = 'raw_photos'").fetchall()
        if (TABLE,) not in tables:
            records = []
        else:
            cursor = con.execute(f"select * exclude (_dlt_load_id) from raw_photos.{TABLE} order by fetched_at")
            names = [column[0] for column in cursor.description]
            records = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    shutil.rmtree(folder, ignore_errors=True)
    assert outcomes[STORED] + outcomes[FAILED] == len(records)
    return records


def photo_requests(sandbox: Sandbox) -> list[tuple[str, str, int]]:
    return [entry for entry in sandbox.app("avaroai").request_log if entry[1].startswith(PHOTOS_PATH)]


def test_every_photo_is_stored_by_its_hash_with_pillows_size(sandbox: Sandbox, tmp_path: Path) -> None:
    photos = served_photos(sandbox)
    assert len(photos) > 50
    records = mirror(photos, PhotoStore(str(tmp_path / "store")))
    assert [record["status"] for record in records] == [STORED] * len(photos)
    assert {record["source_url"] for record in records} == {photo.source_url for photo in photos}
    for record in records:
        body = fsspec.open(record["stored_uri"], "rb").open().read()
        assert hashlib.sha256(body).hexdigest() == record["sha256"]
        assert record["stored_uri"].endswith(f"/avaroai/{record['sha256'][:2]}/{record['sha256']}.jpg")
        assert len(body) == record["byte_size"]
        with Image.open(io.BytesIO(body)) as image:
            assert (image.width, image.height, image.format) == (record["width"], record["height"], "JPEG")
        assert record["http_status"] == 200 and record["etag"]
    assert len({record["sha256"] for record in records}) == len(records)  # every photo's bytes differ
    assert sandbox.stats("avaroai").get("status_429", 0) == 0  # paced within the quota


def test_a_second_run_downloads_no_photo_it_has(sandbox: Sandbox, tmp_path: Path) -> None:
    photos = served_photos(sandbox)
    stored = {record["source_url"] for record in mirror(photos, PhotoStore(str(tmp_path)))}
    before = len(photo_requests(sandbox))
    again = photos_to_download(served_photos(sandbox), stored)
    assert again == []
    assert mirror(again, PhotoStore(str(tmp_path))) == []
    assert len(photo_requests(sandbox)) == before


def test_a_replaced_photo_is_downloaded_again_and_only_it(sandbox: Sandbox, tmp_path: Path) -> None:
    store = PhotoStore(str(tmp_path))
    first = {record["source_url"]: record for record in mirror(served_photos(sandbox), store)}
    edited: set[str] = set()
    while not edited:  # an edit (a revision) replaces the listing's cover photo
        sandbox.advance_day()
        edited = {
            f"avaroai:default:{event['source_listing_id']}"
            for event in sandbox.events("avaroai", sandbox.info()["day"])
            if event["kind"] == "edit"
        }
    now = served_photos(sandbox)
    wanted = photos_to_download(now, set(first))
    served_keys = {photo.listing_key for photo in now}
    assert {photo.listing_key for photo in wanted} - served_keys == set()
    replaced = [photo for photo in wanted if photo.listing_key in edited & served_keys]
    assert replaced and all(photo.position == 1 for photo in replaced)  # the cover, nothing else of theirs
    records = {record["source_url"]: record for record in mirror(wanted, store)}
    for photo in replaced:
        old = next(
            record
            for url, record in first.items()
            if record["listing_key"] == photo.listing_key and record["position"] == 1
        )
        assert records[photo.source_url]["status"] == STORED
        assert records[photo.source_url]["sha256"] != old["sha256"]


def test_a_photo_that_fails_is_recorded_with_its_reason_and_the_others_stored(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__AVAROAI__TRANSIENT_MAX_ATTEMPTS", "1")  # a 5xx is then final at once
    photos = served_photos(sandbox)[:6]
    missing = PhotoSource("avaroai", "default", photos[0].listing_key, 99, photos[0].source_url.replace("-v0-", "-v7-"))
    sandbox.arm_fault("avaroai", "server_error", times=1, after=0, status=500)
    records = {
        record["source_url"]: record for record in mirror([photos[0], missing, *photos[1:]], PhotoStore(str(tmp_path)))
    }
    assert records[photos[0].source_url] | {"fetched_at": None} == records[photos[0].source_url] | {
        "status": FAILED,
        "failure_reason": "HTTP 500",
        "http_status": 500,
        "stored_uri": None,
        "sha256": None,
        "fetched_at": None,
    }
    assert (records[missing.source_url]["status"], records[missing.source_url]["failure_reason"]) == (
        FAILED,
        "HTTP 404",
    )
    assert [records[photo.source_url]["status"] for photo in photos[1:]] == [STORED] * 5
    # the next run tries the failed ones again: only stored URLs count as done
    stored = {url for url, record in records.items() if record["status"] == STORED}
    assert photos_to_download([photos[0], missing, *photos[1:]], stored) == [photos[0], missing]


def test_photos_go_to_an_s3_compatible_store(sandbox: Sandbox, tmp_path: Path) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        options = {"endpoint_url": f"http://{host}:{port}", "key": "testing-key", "secret": "testing-secret"}
        filesystem = fsspec.filesystem("s3", **options)
        filesystem.mkdir("listing-photos")
        photos = served_photos(sandbox)[:5]
        records = mirror(photos, PhotoStore("s3://listing-photos/mirror", options))
        assert [record["status"] for record in records] == [STORED] * 5
        for record in records:
            assert (
                record["stored_uri"]
                == f"s3://listing-photos/mirror/avaroai/{record['sha256'][:2]}/{record['sha256']}.jpg"
            )
            body = filesystem.cat_file(record["stored_uri"])
            assert hashlib.sha256(body).hexdigest() == record["sha256"]
    finally:
        server.stop()


def test_a_spent_download_budget_leaves_the_other_photos_for_the_next_run(sandbox: Sandbox, tmp_path: Path) -> None:
    photos, outcomes = served_photos(sandbox), Counter()
    before = len(photo_requests(sandbox))
    assert mirror(photos, PhotoStore(str(tmp_path)), outcomes, download_budget_seconds=0) == []
    assert (outcomes["left"], len(photo_requests(sandbox))) == (len(photos), before)


def test_a_photo_host_that_does_not_answer_stops_its_accounts_downloads_for_the_run(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each photo's retries can take minutes against a host that is down: after two photos in a row
    got no answer the account's others wait for the next run, rather than spend the budget alike.
    A photo the host answers, even with a 404, is the photo's failure, not the host's."""
    monkeypatch.setenv("SOURCES__AVAROAI__TRANSIENT_MAX_ATTEMPTS", "1")  # no answer is then final at once
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    photos = served_photos(sandbox)[:8]
    missing = PhotoSource("avaroai", "default", photos[0].listing_key, 99, photos[0].source_url.replace("-v0-", "-v7-"))
    down = [
        PhotoSource(
            photo.source, photo.account_id, photo.listing_key, photo.position, f"http://127.0.0.1:{port}/{n}.jpg"
        )
        for n, photo in enumerate(photos[4:])
    ]
    outcomes = Counter()
    records = mirror([missing, missing, *photos[:4], *down], PhotoStore(str(tmp_path)), outcomes)
    assert [record["status"] for record in records] == [FAILED, FAILED, *[STORED] * 4, FAILED, FAILED]
    assert all(record["failure_reason"].startswith("no answer") for record in records[-2:])
    assert outcomes["left"] == 2  # the last two of the host that is down
