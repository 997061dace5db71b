"""A reader of the published serving file, run as its own process while the pipeline loads.

    python serving_reader.py SERVING_FILE STOP_FILE RESULT_FILE hold|reconnect

``hold`` opens one connection as soon as the file exists and keeps it for the whole run (a BI
tool's pooled connection); ``reconnect`` opens a new connection for every query (a notebook). Both
query until STOP_FILE exists, once more after that (so the last answer is of the last publish),
then write every failure and every distinct answer to RESULT_FILE.
Its own process, because DuckDB shares one database instance among a process's connections to a
path: a second connection in the process of a holder would see the holder's snapshot.
"""

import json
import sys
import time
from pathlib import Path

import duckdb

# Every listing has exactly one first event (new_listing or already_listed): a half-copied publish
# would break the equality.
CONSISTENT = """
    select (select count(*) from marts.listings),
           (select count(distinct listing_key) from marts.listing_events
            where event_type in ('new_listing', 'already_listed'))
"""


def main(serving: Path, stop: Path, result: Path, mode: str) -> None:
    failures, answers, held, stopping = [], [], None, False
    while not stopping:
        stopping = stop.exists()
        try:
            if serving.exists():
                if mode == "hold":
                    held = held or duckdb.connect(str(serving), read_only=True)
                    answer = held.execute(CONSISTENT).fetchone()
                else:
                    with duckdb.connect(str(serving), read_only=True) as connection:
                        answer = connection.execute(CONSISTENT).fetchone()
                if answer[0] != answer[1]:
                    failures.append(f"inconsistent snapshot: {answer}")
                if not answers or answers[-1] != list(answer):
                    answers.append(list(answer))
        except Exception as error:  # noqa: BLE001 (every failure is the finding)
            failures.append(repr(error))
        time.sleep(0.05)
    result.write_text(json.dumps({"failures": failures, "answers": answers}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
