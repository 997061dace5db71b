"""The operator's command line: every subcommand explains itself and refuses bad input clearly.
(`listings run` and `listings status` against the sandbox: test_serving_and_concurrency.py.)"""

from pathlib import Path

import pytest

from orchestration.cli import main


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ("demo", "--days"),
        ("sandbox", "serve"),
        ("run", "--full-refresh"),
        ("ui", "--port"),
        ("status", "freshness"),
    ],
)
def test_every_subcommand_has_help(command: str, mentions: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert mentions in capsys.readouterr().out


def test_run_names_an_unknown_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="unknown provider zillow; choose from actuallycare, apimo"):
        main(["run", "zillow"])


def test_status_before_any_load_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    with pytest.raises(SystemExit, match="no warehouse at .* yet: run `listings run`"):
        main(["status"])
