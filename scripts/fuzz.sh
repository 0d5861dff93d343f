#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Runs every fuzz target for a while and prints what it did (issue 17; `make fuzz
# FUZZ_SECONDS=N` calls this after building).
#
#   scripts/fuzz.sh SECONDS [NAME...]     default: every build/fuzz/<name>
#
# Each target runs for SECONDS (-max_total_time) on a scratch copy of its corpus under
# build/fuzz-run/<name>/, one target at a time. Afterwards what the run found is merged back
# into tests/fuzz/<name>/corpus/ with -merge=1: the named inputs (seeds, regress-*) stay, and
# of what fuzzing found only the inputs that reach new edges, as found-<sha1>, so the corpus
# in git grows with what was found but stays minimal. A crash, leak, timeout or out-of-memory stops
# that target; its reproducer is copied into the corpus as crash-<sha1> (`make test` replays
# it; .gitignore keeps crash-* out of git: it goes in renamed regress-<what> with its fix, as
# CONTRIBUTING.md says), and the script exits 1.
#
# Per target it reports executions, executions per second, CPU seconds of the fuzzing process
# (user + system, from /usr/bin/time), libFuzzer's final `cov:` (edges) and `ft:` (features),
# the corpus size before and after, and the outcome; then one Markdown table for
# docs/robustness.md. Logs: build/fuzz-run/<name>.log. Environment: FUZZ_JOBS_NICE (default
# 10) is the nice level; FUZZ_RSS_MB (default 2048) libFuzzer's -rss_limit_mb; FUZZ_TIMEOUT
# (default 10) its per-input -timeout in seconds.
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ || $1 -lt 1 ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [NAME...]" >&2
  exit 2
fi
seconds=$1
shift
nice_level=${FUZZ_JOBS_NICE:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout_s=${FUZZ_TIMEOUT:-10}
if [[ ! -x /usr/bin/time ]]; then
  echo "fuzz.sh: /usr/bin/time is missing (Debian package 'time')" >&2
  exit 2
fi

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for bin in $(find build/fuzz -maxdepth 1 -type f -executable | sort); do
    names+=("$(basename "$bin")")
  done
fi
if [[ ${#names[@]} -eq 0 ]]; then
  echo "fuzz.sh: no targets in build/fuzz (run make fuzz first)" >&2
  exit 2
fi

run_dir=build/fuzz-run
mkdir -p "$run_dir"
rows=()
failed=0

for name in "${names[@]}"; do
  bin=build/fuzz/$name
  corpus=tests/fuzz/$name/corpus
  if [[ ! -x $bin || ! -d $corpus ]]; then
    echo "fuzz.sh: $name: no $bin or no $corpus" >&2
    failed=1
    rows+=("| $name | – | – | – | – | – | – | missing |")
    continue
  fi
  work=$run_dir/$name
  rm -rf "$work" "$run_dir/$name.artifacts"
  mkdir -p "$work" "$run_dir/$name.artifacts"
  cp -r "$corpus/." "$work/"
  before=$(find "$corpus" -type f | wc -l)
  log=$run_dir/$name.log
  timing=$run_dir/$name.time
  echo "== $name: ${seconds}s, $before corpus inputs"
  # -print_final_stats for the execution count; the artifacts go beside the scratch corpus,
  # never into the working directory
  nice -n "$nice_level" /usr/bin/time -f '%U %S' -o "$timing" \
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout="$timeout_s" \
    -rss_limit_mb="$rss_mb" -artifact_prefix="$run_dir/$name.artifacts/" "$work" \
    >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  per_s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  final=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
  cpu=$(tail -1 "$timing" 2>/dev/null | awk '{ printf "%.1f", $1 + $2 }')
  outcome="0 crashes"
  # slow-unit-* only reports the slowest input so far: not a failure
  found=$(find "$run_dir/$name.artifacts" -type f ! -name 'slow-unit-*' | head -1)
  if [[ -n $found || $rc -ne 0 ]]; then
    failed=1
    if [[ -n $found ]]; then
      kind=$(basename "$found" | sed 's/-.*//')
      sha=$(sha1sum "$found" | cut -c1-40)
      cp "$found" "$corpus/crash-$sha"
      outcome="**$kind**: $corpus/crash-$sha"
      echo "FAIL $name: $kind, reproducer $corpus/crash-$sha (log $log)"
    else
      outcome="**exit $rc** (see $log)"
      echo "FAIL $name: exit $rc without a reproducer (log $log)"
    fi
    grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error' "$log" || true
  fi
  # Back into git, minimal: the named inputs (seeds, regress-*, crash-*) all stay; of what
  # fuzzing found (found-<sha1>, and inputs libFuzzer named by their SHA-1 alone, which
  # .gitignore keeps out of git), old and new, only those that reach edges the named ones and
  # each other do not, kept as found-<sha1> (-merge=1 copies into the first directory what
  # the others add to it; -use_counters=0: edges, not how often each ran, or a minute of sdp
  # keeps 600).
  keep=$run_dir/$name.keep
  rm -rf "$keep" && mkdir -p "$keep"
  found='.*/(found-)?[0-9a-f]{40}'
  find "$corpus" -maxdepth 1 -type f -regextype posix-extended ! -regex "$found" -exec cp {} "$keep/" \;
  if nice -n "$nice_level" "$bin" -merge=1 -use_counters=0 -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
    -artifact_prefix="$run_dir/$name.artifacts/" "$keep" "$corpus" "$work" \
    >"$run_dir/$name.merge.log" 2>&1; then
    find "$corpus" -maxdepth 1 -type f -regextype posix-extended -regex "$found" -delete
    for f in $(find "$keep" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}'); do
      cp "$f" "$corpus/found-$(basename "$f")"
    done
  else
    echo "fuzz.sh: $name: merge failed, corpus left as it was (see $run_dir/$name.merge.log)" >&2
  fi
  after=$(find "$corpus" -type f | wc -l)
  echo "   ${execs:-?} executions, ${per_s:-?}/s, ${cpu:-?} s CPU, cov ${cov:-?}, ft ${ft:-?}, corpus $before -> $after, $outcome"
  rows+=("| $name | ${execs:-?} | ${per_s:-?} | ${cpu:-?} | ${cov:-?} | ${ft:-?} | $before → $after | $outcome |")
done

echo
echo "| target | executions | exec/s | CPU s | cov | ft | corpus | result |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s\n' "${rows[@]}"
exit $failed
