"""Provider sandbox: local HTTP stand-ins for the provider APIs of the registry, with a simulated
clock, deterministic synthetic data, switchable faults and a report of its own truth.

    from listings_sandbox import HOSTS, Sandbox, SandboxConfig
    with Sandbox(SandboxConfig(seed=7, options={host: {"option": value}})) as sandbox:
        sandbox.info()          # base URLs and credentials
        sandbox.advance_day()   # time travel
        sandbox.truth(host)     # what the warehouse should show

Each host is built by its provider module (``providers/``), which also declares its options.
"""

from .app import HOSTS, OPEN_WORLD_VALUES, Sandbox, SandboxConfig, dlt_environment, provider_module
from .faults import FAULT_KINDS
from .world import ChangeMix

__all__ = [
    "FAULT_KINDS",
    "HOSTS",
    "OPEN_WORLD_VALUES",
    "ChangeMix",
    "Sandbox",
    "SandboxConfig",
    "dlt_environment",
    "provider_module",
]
