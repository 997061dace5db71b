"""Provider sandbox: local HTTP stand-ins for the five provider APIs, with a simulated clock,
deterministic synthetic data, switchable faults and a report of its own truth.

    from listings_sandbox import Sandbox, SandboxConfig
    with Sandbox(SandboxConfig(seed=7)) as sandbox:
        sandbox.info()          # base URLs and credentials
        sandbox.advance_day()   # time travel
        sandbox.truth("apimo")  # what the warehouse should show
"""

from .app import HOSTS, Sandbox, SandboxConfig, dlt_environment
from .faults import FAULT_KINDS
from .open_world import OPEN_WORLD_VALUES
from .world import ChangeMix

__all__ = ["FAULT_KINDS", "HOSTS", "OPEN_WORLD_VALUES", "ChangeMix", "Sandbox", "SandboxConfig", "dlt_environment"]
