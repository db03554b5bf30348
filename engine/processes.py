"""When work may be spread over forked processes.

A forked child has only the thread that forked: a lock another thread held at that moment
(the rules host's, the import system's, the allocator's) stays held in the child for ever,
and the child can hang. So work forks only where this process runs a single thread; in a
process with others (collab studio's server and file watcher) it runs where it is, or in
spawned processes. Python 3.12 warns about such forks; 3.14 stops forking by default.
"""

from __future__ import annotations

import multiprocessing
import threading


def can_fork() -> bool:
    """Whether forking is available and safe here: fork exists and this is the only thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
