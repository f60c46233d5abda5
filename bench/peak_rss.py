"""Run a command and report its peak memory: ``python bench/peak_rss.py CMD [ARG ...]``.

The command's stdout goes to /dev/null (a report of 100,000 rows is not the point);
its stderr passes through. Prints one JSON line on stdout:
``{"maxrss_kib": N, "returncode": N, "seconds": S}``, where ``maxrss_kib`` is
``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the peak resident set of the largest waited-for
descendant (KiB on Linux), never this wrapper's own.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    command = sys.argv[1:]
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    started = time.perf_counter()
    returncode = subprocess.call(command, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"maxrss_kib": peak, "returncode": returncode, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
