#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Runs every test suite after `make all unit unit-asan tsan fuzz` and prints one summary line:
#   unit (cmocka), unit under ASan+UBSan, fuzz-corpus replay (libFuzzer, each corpus file
#   once), end-to-end (node --test + headless Chromium), hostile clients (tests/hostile: slow
#   loris, connection exhaustion; no browser), and the several-worker end-to-end test again
#   against the server built with ThreadSanitizer.
# Exit status is non-zero when anything failed. Set E2E=0 to skip the browser tests locally,
# HOSTILE=0 to skip the hostile clients (about 2 minutes).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir=build/test-logs
mkdir -p "$log_dir"

run_cmocka() { # $1 = binary, $2 = label
  local bin=$1 label=$2 log
  log="$log_dir/$(echo "$label" | tr '/ ' '__').log"
  if "$bin" >"$log" 2>&1; then :; fi
  local p f
  p=$(grep -Eo '\[  PASSED  \] [0-9]+ test' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -Eo '\[  FAILED  \] [0-9]+ test' "$log" | grep -Eo '[0-9]+' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [[ $p -eq 0 && $f -eq 0 ]]; then f=1; fi # crashed before cmocka could report
  if grep -q "runtime error:\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$log"; then
    f=$((f + 1)); echo "  sanitizer report in $log"
  fi
  passed=$((passed + p)); failed=$((failed + f))
  if [[ $f -gt 0 ]]; then failures+=("$label (see $log)"); echo "FAIL $label: $p passed, $f failed"; tail -20 "$log";
  else echo "ok   $label: $p passed"; fi
}

echo "== house rules (include floors, licence lines)"
for check in tests/floors/test_check_floors.sh scripts/check-floors.sh scripts/check-spdx.sh; do
  log="$log_dir/$(basename "$check" .sh).log"
  if "$check" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $check: $(tail -1 "$log")"
  else
    failed=$((failed + 1)); failures+=("$check (see $log)"); echo "FAIL $check"; cat "$log"
  fi
done

echo "== unit tests"
for bin in $(find build/unit -type f -executable | sort); do
  run_cmocka "$bin" "unit ${bin#build/unit/}"
done

echo "== unit tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for bin in $(find build/unit-asan -type f -executable | sort); do
  run_cmocka "$bin" "asan ${bin#build/unit-asan/}"
done

echo "== fuzz corpus replay"
for bin in $(find build/fuzz -maxdepth 1 -type f -executable | sort); do
  name=$(basename "$bin")
  corpus=tests/fuzz/$name/corpus
  n=$(find "$corpus" -type f 2>/dev/null | wc -l)
  log="$log_dir/fuzz_$name.log"
  if [[ $n -eq 0 ]]; then
    failed=$((failed + 1)); failures+=("fuzz $name: empty corpus"); echo "FAIL fuzz $name: no corpus"; continue
  fi
  if "$bin" -runs=0 "$corpus" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok   fuzz $name: $n inputs replayed"
  else
    failed=$((failed + 1)); failures+=("fuzz $name (see $log)"); echo "FAIL fuzz $name"; tail -30 "$log"
  fi
done

if [[ "${E2E:-1}" != 0 ]]; then
  echo "== end-to-end tests (headless Chromium)"
  log="$log_dir/e2e.log"
  # every test and the whole run are bounded: a browser test must fail, never hang
  timeout 1800 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
    tests/e2e/ >"$log" 2>&1
  e2e_rc=$?
  p=$(grep -E '^# pass ' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -E '^# fail ' "$log" | grep -Eo '[0-9]+' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [[ $e2e_rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  grep -E '^(not )?ok ' "$log" | sed 's/^/  /'
  if [[ $f -gt 0 ]]; then
    failures+=("e2e (see $log)")
    grep -E -A25 '^not ok|^    not ok' "$log" | head -80
  fi
fi

if [[ "${HOSTILE:-1}" != 0 ]]; then
  echo "== hostile clients (tests/hostile)"
  log="$log_dir/hostile.log"
  # slow loris and connection exhaustion against a real server (loopback only, no browser);
  # every test and the whole run are bounded
  timeout 900 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
    tests/hostile/ >"$log" 2>&1
  hostile_rc=$?
  p=$(grep -E '^# pass ' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -E '^# fail ' "$log" | grep -Eo '[0-9]+' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [[ $hostile_rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  grep -E '^(not )?ok ' "$log" | sed 's/^/  /'
  if [[ $f -gt 0 ]]; then
    failures+=("hostile (see $log)")
    grep -E -A25 '^not ok|^    not ok' "$log" | head -80
  fi
fi

if [[ "${E2E:-1}" != 0 ]]; then
  echo "== media workers under ThreadSanitizer (tests/e2e/workers.test.js)"
  log="$log_dir/e2e_tsan.log"
  rm -f "$log_dir"/tsan.*
  # a race report makes the server exit 66, which the test's stop() reports as a failure
  RATSAAL_BIN=build/tsan/ratsaal TSAN_OPTIONS="exitcode=66 log_path=$log_dir/tsan" \
    timeout 900 node --test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap \
    tests/e2e/workers.test.js >"$log" 2>&1
  tsan_rc=$?
  p=$(grep -E '^# pass ' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -E '^# fail ' "$log" | grep -Eo '[0-9]+' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [[ $tsan_rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  if compgen -G "$log_dir/tsan.*" >/dev/null; then
    f=$((f + 1)); echo "  ThreadSanitizer report: $(ls "$log_dir"/tsan.*)"
    head -40 "$log_dir"/tsan.* | head -60
  fi
  passed=$((passed + p)); failed=$((failed + f))
  grep -E '^(not )?ok ' "$log" | sed 's/^/  tsan /'
  if [[ $f -gt 0 ]]; then
    failures+=("tsan e2e (see $log)")
    grep -E -A25 '^not ok|^    not ok' "$log" | head -60
  fi
fi

echo
if ((${#failures[@]})); then
  echo "Failures:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
