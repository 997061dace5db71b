"""Scan progress reaches the Dagster run's event log, under the demo's instance settings."""

from pathlib import Path

import dagster as dg
import yaml
from dagster_dlt import DagsterDltResource

from listings_sandbox import Sandbox
from orchestration.cli.instance import DAGSTER_YAML_FILE
from orchestration.defs.ingest.assets import build_raw_assets


def test_scan_progress_and_summary_appear_in_the_runs_event_log(pipeline_sandbox: Sandbox, tmp_path: Path) -> None:
    settings = yaml.safe_load(DAGSTER_YAML_FILE.read_text())
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides={"python_logs": settings["python_logs"]}) as instance:
        result = dg.materialize(
            list(build_raw_assets().values()),
            selection="raw_actuallycare/listings",
            resources={"dlt": DagsterDltResource()},
            instance=instance,
        )
        assert result.success
        messages = [entry.user_message for entry in instance.all_logs(result.run_id) if entry.user_message]
    progress = [text for text in messages if text.startswith("actuallycare account default: page 1, ")]
    assert progress and " of 300 listings read" in progress[0]
    assert any(
        "actuallycare account default: full scan complete: 3 pages, 300 listings (300 new" in m for m in messages
    )
