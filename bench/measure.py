#!/usr/bin/env python3
"""Run one command, print its wall time (s) and peak RSS (MiB) as JSON: the bench's stopwatch.

getrusage(RUSAGE_CHILDREN) after the child exits gives the child's own peak RSS (ru_maxrss, KiB on
Linux), the same figure GNU time's %M reports, without needing the `time` package."""
import json, resource, subprocess, sys, time

t0 = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": p.returncode, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}))
