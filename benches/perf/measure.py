#!/usr/bin/env python3
"""Runs one command and prints what it cost as one JSON line:
user/sys CPU seconds and peak RSS (getrusage of the child, through wait4), wall seconds, and the
bytes it wrote (/proc/PID/io of the exited, not yet reaped, child: write_bytes = bytes sent to the
page cache for storage, wchar = bytes passed to write(); threads included).

With --watch DIR (repeatable), also what changed in DIR (recursively; *.lock files ignored):
files created, replaced or modified (inode, size or mtime differ), and its total size before and after.

usage: measure.py [--log FILE] [--watch DIR]... -- CMD ARG...
       (the command's stdout and stderr go to FILE, default /dev/null)
"""
import json, os, sys, time


def snapshot(d):
    snap = {}
    for root, _, files in os.walk(d):
        for name in files:
            if name.endswith(".lock"):
                continue
            p = os.path.join(root, name)
            try:
                st = os.stat(p)
            except FileNotFoundError:
                continue
            snap[p] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return snap


def main(argv):
    log, watch = os.devnull, []
    while argv[:1] in (["--log"], ["--watch"]):
        if argv[0] == "--log":
            log = argv[1]
        else:
            watch.append(argv[1])
        argv = argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit(__doc__)
    before = {d: snapshot(d) for d in watch}
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(fd)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # exited, still readable in /proc
    wall = time.monotonic() - t0
    io = {}
    try:
        with open(f"/proc/{pid}/io") as f:
            io = {k: int(v) for k, v in (line.split(":") for line in f)}
    except OSError:
        pass
    _, status, ru = os.wait4(pid, 0)
    watched = {}
    for d, old in before.items():
        new = snapshot(d)
        watched[os.path.basename(d.rstrip("/"))] = {
            "changed": sum(1 for p, v in new.items() if old.get(p) != v),
            "bytes_before": sum(v[1] for v in old.values()),
            "bytes_after": sum(v[1] for v in new.values()),
        }
    print(json.dumps({
        "rc": os.waitstatus_to_exitcode(status), "user": ru.ru_utime, "sys": ru.ru_stime,
        "cpu": ru.ru_utime + ru.ru_stime, "wall": wall, "maxrss_kb": ru.ru_maxrss,
        "write_bytes": io.get("write_bytes", -1), "wchar": io.get("wchar", -1),
        "cancelled_write_bytes": io.get("cancelled_write_bytes", -1), "watched": watched,
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
