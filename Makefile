# SPDX-License-Identifier: EUPL-1.2
# Ratsaal build. `make` builds bin/ratsaal; `make run` installs deps, builds and serves;
# `make test` installs deps, builds and runs every test suite (see scripts/test.sh).
#
# Sources are discovered: every src/**/*.c except src/main.c goes into build/libratsaal.a,
# every tests/unit/**/test_*.c becomes one cmocka binary, every tests/fuzz/<name>/fuzz.c one
# libFuzzer target whose corpus is tests/fuzz/<name>/corpus/.

CC      ?= cc
PKGS    := libwebsockets jansson sqlite3 openssl libsrtp2 libcurl libargon2 libpq hiredis
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter
CSTD    := -std=gnu17
CFLAGS  ?= -O2 -g
ALL_CFLAGS := $(CSTD) $(WARN) $(CFLAGS) -D_GNU_SOURCE -DRS_VERSION=\"$(VERSION)\" -Isrc $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm

SRC      := $(shell find src -name '*.c' ! -path src/main.c | sort)
OBJ      := $(SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:%.c=build/asan/%.o)
TSAN_OBJ := $(SRC:%.c=build/tsan/%.o) build/tsan/src/main.o
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_ASAN_BIN := $(UNIT_SRC:tests/unit/%.c=build/unit-asan/%)
FUZZ_SRC := $(wildcard tests/fuzz/*/fuzz.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%/fuzz.c=build/fuzz/%)

SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CC    ?= clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -O1 -g

.PHONY: all run test deps unit unit-asan tsan asan-server fuzz fuzz-replay e2e clean format hostile-tools deb
all: bin/ratsaal bin/ratsaal-recorder web/vendor/hls.min.js

# The live page's HLS player (hls.js, Apache-2.0), pinned in package-lock.json and installed by
# `make deps` (npm ci); copied into the web root so the page loads nothing from elsewhere.
web/vendor/hls.min.js: node_modules/hls.js/dist/hls.min.js
	@mkdir -p $(@D)
	cp $< $@
node_modules/hls.js/dist/hls.min.js:
	@echo "hls.js is missing: run 'make deps' (npm ci) first" >&2; exit 1

bin/ratsaal: build/libratsaal.a build/obj/src/main.o
	@mkdir -p bin
	$(CC) -o $@ build/obj/src/main.o build/libratsaal.a $(LDLIBS)

# ratsaal-recorder (issue 15): the GStreamer process that composes and encodes recordings and
# livestreams. Its GStreamer code lives outside src/ so the server never links GStreamer; the
# control-protocol parser (src/recorder/command.c) is in libratsaal.a for the tests.
REC_PKGS   := gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0 jansson
REC_CFLAGS  = $(shell pkg-config --cflags $(REC_PKGS))
REC_LIBS    = $(shell pkg-config --libs $(REC_PKGS))
REC_OBJ    := $(patsubst %.c,build/obj/%.o,$(wildcard recorder/*.c))

bin/ratsaal-recorder: $(REC_OBJ) build/libratsaal.a
	@mkdir -p bin
	$(CC) -o $@ $(REC_OBJ) build/libratsaal.a $(REC_LIBS)

build/obj/recorder/%.o: recorder/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(REC_CFLAGS) -MMD -MP -c -o $@ $<

# The recorder's test tool: feeds synthetic participants as RTP (tests/recorder/README.md).
build/feeder: tests/recorder/feeder.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(REC_CFLAGS) -o $@ $< $(REC_LIBS)

build/libratsaal.a: $(OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/asan/libratsaal.a: $(ASAN_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The server under ThreadSanitizer: the media workers, the control thread and the job thread
# share queues, relay rings and metrics; tests/e2e/workers.test.js runs against this binary.
build/tsan/ratsaal: $(TSAN_OBJ)
	$(CC) -fsanitize=thread -o $@ $^ $(LDLIBS)

# The server under AddressSanitizer+UndefinedBehaviorSanitizer (LeakSanitizer at exit): the
# browser tests and the soak in `make test` run against it (scripts/test.sh). The recorder link
# beside it lets the server find bin/ratsaal-recorder as it does next to itself.
build/asan/ratsaal: build/asan/src/main.o build/asan/libratsaal.a bin/ratsaal-recorder
	$(CC) $(SAN_FLAGS) -o $@ build/asan/src/main.o build/asan/libratsaal.a $(LDLIBS)
	ln -sf ../../bin/ratsaal-recorder build/asan/ratsaal-recorder

build/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=thread -fno-omit-frame-pointer -O1 -MMD -MP -c -o $@ $<

build/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/unit/%: tests/unit/%.c build/libratsaal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< build/libratsaal.a $(shell pkg-config --cflags --libs cmocka) $(LDLIBS)

build/unit-asan/%: tests/unit/%.c build/asan/libratsaal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< build/asan/libratsaal.a $(shell pkg-config --cflags --libs cmocka) $(LDLIBS)

# Fuzz targets link a copy of the library built by clang with coverage instrumentation.
# `make fuzz` builds them (make test replays their corpora); `make fuzz FUZZ_SECONDS=N` then
# runs each for N seconds and prints the figures (scripts/fuzz.sh, docs/robustness.md).
FUZZ_SECONDS ?=
FUZZ_OBJ := $(SRC:%.c=build/fuzzobj/%.o)
FUZZ_COMMON := $(CSTD) -D_GNU_SOURCE -DRS_VERSION=\"$(VERSION)\" -Isrc $(PKG_CFLAGS) -O1 -g -fno-omit-frame-pointer
build/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COMMON) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

build/fuzzobj/libratsaal.a: $(FUZZ_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/fuzz/%: tests/fuzz/%/fuzz.c build/fuzzobj/libratsaal.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COMMON) -fsanitize=fuzzer,address,undefined -o $@ $< build/fuzzobj/libratsaal.a $(LDLIBS)

# Attack tools of the hostile-client tests (tests/hostile/tools/<name>.c → build/hostile/<name>),
# linked with the project's own rtc/ code.
HOSTILE_TOOLS := $(patsubst tests/hostile/tools/%.c,build/hostile/%,$(wildcard tests/hostile/tools/*.c))
build/hostile/%: tests/hostile/tools/%.c build/libratsaal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libratsaal.a $(LDLIBS)

unit: $(UNIT_BIN)
unit-asan: $(UNIT_ASAN_BIN)
tsan: build/tsan/ratsaal
asan-server: build/asan/ratsaal
fuzz: $(FUZZ_BIN)
ifneq ($(FUZZ_SECONDS),)
	./scripts/fuzz.sh $(FUZZ_SECONDS)
endif
hostile-tools: $(HOSTILE_TOOLS)

deps:
	./scripts/deps.sh

run: deps all
	@mkdir -p var
	./bin/ratsaal serve --config conf/ratsaal.conf

test: deps
	$(MAKE) -j2 all unit unit-asan tsan asan-server fuzz hostile-tools bench/ratsaal-load
	./scripts/test.sh

# The Debian package build/deb/ratsaal_<version>_<arch>.deb (scripts/deb.sh; docs/operations.md)
deb: all
	./scripts/deb.sh

clean:
	rm -rf build bin

format:
	clang-format -i $(shell find src tests -name '*.[ch]')

-include $(shell find build -name '*.d' 2>/dev/null)

# Benchmarks (issue 5): the load generator, the offline regression harness and the SRTP
# micro-benchmark. `bench/setup.sh` installs what only they need; `bench/compare.sh` runs them.
BENCH_LOAD_SRC := $(wildcard bench/load/*.c)
.PHONY: bench
bench: bin/ratsaal bench/ratsaal-load build/bench/offline build/bench/srtp_bench

bench/ratsaal-load: $(BENCH_LOAD_SRC) bench/load/load.h build/libratsaal.a
	$(CC) $(ALL_CFLAGS) -Ibench/load -o $@ $(BENCH_LOAD_SRC) build/libratsaal.a $(LDLIBS)

build/bench/offline: bench/offline/offline.c build/libratsaal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libratsaal.a $(LDLIBS)

build/bench/srtp_bench: bench/srtp_bench.c build/libratsaal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libratsaal.a $(LDLIBS)
