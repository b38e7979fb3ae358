#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write a git fast-import stream: a first commit holding a source tree,
then N commits that each change 1-3 files; about one in 25 touches a
kfunc set (a BTF_ID_FLAGS entry), like real kernel history.
Usage: bench-git-import.py SRC_DIR N > stream"""
import os
import random
import sys

src, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(20261126)
files = {}
for root, _, names in os.walk(src):
    for name in names:
        p = os.path.join(root, name)
        rel = os.path.relpath(p, src)
        if os.path.islink(p):
            continue
        with open(p, "rb") as f:
            files[rel] = f.read()
paths = sorted(files)
kfunc_files = [p for p in paths if any(l.startswith(b"BTF_ID_FLAGS(func, ") for l in files[p].split(b"\n"))]
c_files = [p for p in paths if p.endswith((".c", ".h"))]
out = sys.stdout.buffer
mark = 0


def blob(data):
    global mark
    mark += 1
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)) + data + b"\n")
    return mark


def commit(i, msg, changes):
    when = 1700000000 + i * 600
    body = msg.encode()
    out.write(b"commit refs/heads/main\n")
    out.write(b"author Dev <dev@example.org> %d +0000\ncommitter Dev <dev@example.org> %d +0000\n" % (when, when))
    out.write(b"data %d\n%s\n" % (len(body), body))
    for p, m in changes:
        out.write(b"M 100644 :%d %s\n" % (m, p.encode()))
    out.write(b"\n")


commit(0, "import tree", [(p, blob(files[p])) for p in paths])
for i in range(1, n + 1):
    changes = []
    if kfunc_files and rnd.random() < 0.04:
        p = rnd.choice(kfunc_files)
        lines = files[p].split(b"\n")
        idx = [k for k, l in enumerate(lines) if l.startswith(b"BTF_ID_FLAGS(func, ")]
        k = rnd.choice(idx)
        l = lines[k]
        lines[k] = l[:-1] + b" | KF_RCU)" if b"KF_RCU" not in l and l.endswith(b")") else l.replace(b" | KF_RCU", b"")
        files[p] = b"\n".join(lines)
        changes.append((p, blob(files[p])))
    for _ in range(rnd.randint(1, 3)):
        p = rnd.choice(c_files)
        lines = files[p].split(b"\n")
        k = rnd.randrange(len(lines))
        lines.insert(k, b"/* bench change %d */" % i)
        files[p] = b"\n".join(lines)
        changes.append((p, blob(files[p])))
    commit(i, "bench: change %d\n\nA generated change for the benchmark.\n" % i, changes)
