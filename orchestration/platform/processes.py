"""Whether a process still exists, for what a dead process leaves behind: a run's record, a temp folder."""

import os


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True
