"""The control host and the ``listings sandbox`` commands that drive it."""

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from listings_sandbox import HOSTS, Sandbox

LISTINGS = str(Path(sys.executable).parent / "listings")


def test_control_api_advances_reports_and_arms_faults(own_sandbox: Sandbox) -> None:
    control = own_sandbox.info()["control_url"]
    assert set(requests.get(control + "/").json()["providers"]) == set(HOSTS)
    assert requests.post(control + "/advance").json()["day"] == 1
    assert len(requests.get(control + "/truth/koto").json()) == len(own_sandbox.truth("koto"))
    assert requests.get(control + "/events/koto", params={"day": 1}).json() == own_sandbox.events("koto", day=1)
    armed = requests.post(control + "/faults/koto", json={"kind": "slow", "delay": 0.1}).json()
    assert armed[0]["kind"] == "slow"
    assert requests.delete(control + "/faults/koto").json() == []
    assert requests.get(control + "/stats/koto").json() == own_sandbox.stats("koto")
    assert requests.get(control + "/truth/nowhere").status_code == 400
    assert requests.post(control + "/faults/koto", json={"kind": "nope"}).status_code == 400


def test_cli_serve_prints_urls_and_credentials_and_advance_drives_it(tmp_path: Path) -> None:
    info_file = tmp_path / "sandbox.json"
    server = subprocess.Popen(
        [LISTINGS, "sandbox", "serve", "--info-file", str(info_file), "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # about 4 s unloaded
        while not info_file.exists():
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)
        text, line = "", ""
        while line != "}\n":  # the JSON is indented: it ends with a closing brace alone on its line
            line = server.stdout.readline()
            assert line, server.stderr.read()
            text += line
        printed = json.loads(text)
        assert json.loads(info_file.read_text())["providers"] == printed["providers"]
        assert set(printed["providers"]) == set(HOSTS)
        assert printed["providers"]["avaroai"]["api_key"] and printed["providers"]["apimo"]["token"]
        assert all(p["base_url"].startswith("http://127.0.0.1:") for p in printed["providers"].values())
        advanced = subprocess.run(
            [LISTINGS, "sandbox", "advance", "--control-url", printed["control_url"]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert advanced.returncode == 0 and json.loads(advanced.stdout)["day"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_sandbox_subcommand_has_help() -> None:
    for command in ("serve", "advance", "info", "truth", "events", "fault", "clear-faults", "stats"):
        completed = subprocess.run([LISTINGS, "sandbox", command, "--help"], capture_output=True, text=True)
        assert completed.returncode == 0 and "usage: listings sandbox" in completed.stdout, command
