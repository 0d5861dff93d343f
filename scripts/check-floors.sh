#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
#
# Checks that every #include "…" between the folders of src/ points down a floor.
#
#   scripts/check-floors.sh [SRC_DIR]      (SRC_DIR defaults to src/ of this repository)
#
# Each folder under src/ sits on a floor; src/*.c and src/*.h (main.c) are the floor `main`.
# An include may point to the same folder or to a folder on a lower floor. It fails on
#   - an include that points UP a floor;
#   - an include between the siblings of a floor that forbids it (rtc, store, cluster);
#   - two folders on one floor that include each other (a cycle: both sides are reported);
#   - a folder that is on no floor (a new folder is placed on a floor here, deliberately).
# Across different floors a two-folder cycle always contains an upward include, which is what
# gets reported; its downward half is legitimate and stays quiet.
#
# Every offending include prints as `file:line: <from> includes <to> (<reason>)`; the last line
# is `floors: N includes checked, M violations`. Exit 0 when clean, 1 on violations, 2 on usage.
set -euo pipefail
cd "$(dirname "$0")/.."

src=${1:-src}
if [[ ! -d $src ]]; then
  echo "check-floors: no directory $src" >&2
  exit 2
fi

exec python3 - "$src" <<'PY'
import os, re, sys
from collections import defaultdict

# folder -> floor, bottom to top. Keep in step with CONTRIBUTING.md ("Floors").
FLOORS = {
    "core": 0,
    "rtc": 1, "store": 1, "cluster": 1, "recorder": 1,
    "auth": 2,
    "room": 3,
    "sfu": 4,
    "signaling": 5, "http": 5,
    "main": 6,
}
# floors whose folders must not include each other at all; on the other floors a sideways
# include is allowed in one direction (both directions are a cycle)
NO_SIDEWAYS = {1}

src = sys.argv[1].rstrip("/")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def folder_of(rel):  # rel: path below src/
    parts = rel.split("/")
    return "main" if len(parts) == 1 else parts[0]


def resolve(rel_from, inc):
    """Where the compiler finds `inc` (own directory first, then -Isrc); None if outside src/."""
    own = os.path.normpath(os.path.join(os.path.dirname(rel_from), inc))
    if not own.startswith("..") and os.path.isfile(os.path.join(src, own)):
        return own
    if os.path.isfile(os.path.join(src, inc)):
        return os.path.normpath(inc)
    return None


edges = []  # (rel_file, line, from, to)
files_by_folder = defaultdict(list)
for root, dirs, files in os.walk(src):
    dirs.sort()
    for name in sorted(files):
        if not name.endswith((".c", ".h")):
            continue
        rel = os.path.relpath(os.path.join(root, name), src)
        files_by_folder[folder_of(rel)].append(rel)
        with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = resolve(rel, m.group(1))
                if target is not None:
                    edges.append((rel, n, folder_of(rel), folder_of(target)))

pairs = {(a, b) for _, _, a, b in edges if a != b}
violations = []
for rel, n, a, b in edges:
    reason = None
    if a not in FLOORS or b not in FLOORS:
        unknown = a if a not in FLOORS else b
        reason = f"unknown folder {unknown}: place it on a floor in scripts/check-floors.sh"
    elif a == b:
        continue
    elif FLOORS[b] > FLOORS[a]:
        reason = f"upward: {b} is floor {FLOORS[b]}, {a} is floor {FLOORS[a]}"
    elif FLOORS[b] == FLOORS[a] and FLOORS[a] in NO_SIDEWAYS:
        reason = f"sideways: {a} and {b} are siblings on floor {FLOORS[a]}"
    elif FLOORS[b] == FLOORS[a] and (b, a) in pairs:
        reason = f"cycle: {a} and {b} include each other; keep one direction"
    if reason:
        violations.append((rel, n, a, b, reason))

# a file in an unknown folder that includes nothing of ours would otherwise go unnoticed
reported = {rel for rel, *_ in violations}
for folder, rels in sorted(files_by_folder.items()):
    if folder not in FLOORS and not any(r in reported for r in rels):
        violations.append((rels[0], 1, folder, folder,
                           f"unknown folder {folder}: place it on a floor in scripts/check-floors.sh"))

for rel, n, a, b, reason in sorted(violations):
    print(f"{src}/{rel}:{n}: {a} includes {b} ({reason})")
print(f"floors: {len(edges)} includes checked, {len(violations)} violations")
sys.exit(1 if violations else 0)
PY
