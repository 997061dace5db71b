"""What the marts should say, from the sandbox's own canonical state (never from the client's code)."""

# the sandbox's canonical status words -> the mart's unified vocabulary
UNIFIED_STATUS = {"active": "active", "pending": "pending", "sold": "closed", "withdrawn": "withdrawn"}
# ... except where a provider's document has no word for it: EstatePrime's statuses are draft,
# pending, active, inactive, archived and deleted (estateprime.txt:161), so the sandbox serves a sale
# as `archived` and a withdrawal as `inactive`, and what can be known of either is off_market
AS_DOCUMENTED = {"estateprime": {"sold": "off_market", "withdrawn": "off_market"}}


def unified_status(source: str, canonical: str) -> str:
    return AS_DOCUMENTED.get(source, {}).get(canonical, UNIFIED_STATUS[canonical])
