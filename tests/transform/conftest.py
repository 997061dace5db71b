"""What the marts should say, from the sandbox's own canonical state (never from the client's code),
and the fingerprints by which an incremental build is compared with a rebuild from raw."""

from pathlib import Path
from typing import Any

import duckdb

from listings_sandbox import OPEN_WORLD_VALUES
from orchestration.warehouse.publish import MARTS

# the sandbox's canonical status words -> the mart's unified vocabulary
UNIFIED_STATUS = {
    "active": "active",
    "pending": "pending",
    "sold": "closed",
    "withdrawn": "withdrawn",
    "draft": "draft",
}
# ... except where a provider's document has no word for it: EstatePrime's statuses are draft,
# pending, active, inactive, archived and deleted (estateprime.txt:161), so the sandbox serves a sale
# as `archived` and a withdrawal as `inactive`, and what can be known of either is off_market
AS_DOCUMENTED = {"estateprime": {"sold": "off_market", "withdrawn": "off_market"}}
# The open world's statuses (listings_sandbox.OPEN_WORLD_VALUES): no document gives their meaning, so
# they mean what an operator decided when the warehouse first reported them (the crosswalk's
# `observed` rows): US MLS usage for the words, and Apimo's unnamed steps acknowledged as unknown.
OPEN_WORLD_STATUS: dict[Any, str] = {
    "reserved": "pending",
    "under_offer": "pending",
    "under_contract": "pending",
    "contingent": "pending",
    "coming_soon": "draft",
    5: "unknown",
    6: "unknown",
}
_open_world_statuses = {
    value for fields in OPEN_WORLD_VALUES.values() for name in ("status", "step") for value in fields.get(name, ())
}
assert _open_world_statuses == set(OPEN_WORLD_STATUS), "decide what each open-world status means"


def unified_status(source: str, canonical: Any) -> str:
    if canonical in OPEN_WORLD_STATUS:
        return OPEN_WORLD_STATUS[canonical]
    return AS_DOCUMENTED.get(source, {}).get(canonical, UNIFIED_STATUS[canonical])


# The incremental models besides the marts, compared too: what a build leaves for the next one. Each
# row's rebuilt_at (when the build that wrote it started) differs between builds by design.
INCREMENTAL_MODELS = (
    "intermediate.int_listing_versions",
    "intermediate.int_listing_misses",
    "intermediate.int_listing_timeline",
    "intermediate.int_account_first_loads",
    "intermediate.int_listing_states",
    "intermediate.int_listing_agent_versions",
    "intermediate.int_listing_source_features",
    "intermediate.int_listing_photo_sources",
)


def table_fingerprints(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the sorted rows of every mart and incremental model of ``warehouse``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        fingerprints = {}
        for table in [f"marts.{mart}" for mart in MARTS] + list(INCREMENTAL_MODELS):
            schema, name = table.split(".")
            columns = [
                column
                for (column,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
                    " order by column_index",
                    [schema, name],
                ).fetchall()
                if column != "rebuilt_at"
            ]
            quoted = ", ".join(f'"{column}"' for column in columns)
            fingerprints[table] = con.execute(
                f"select count(*), md5(coalesce(string_agg(row_text, '\n' order by row_text), '')) "
                f"from (select cast(row({quoted}) as varchar) as row_text from {table})"
            ).fetchone()
        return fingerprints
