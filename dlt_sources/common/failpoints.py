"""Moved to ``orchestration.platform.failpoints``; this name stays until the scan's import follows."""

from orchestration.platform.failpoints import FAILPOINT_ENV, POINTS, failpoint

__all__ = ["FAILPOINT_ENV", "POINTS", "failpoint"]
