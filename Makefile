# chronapilot-mock: `make run` and `make test` are all a fresh Debian 12 machine needs.
# Missing Debian packages are installed first (scripts/install-deps.sh, with apt-get).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
ARGS       ?=

.PHONY: all deps build test serve run bench asan-test format format-check clean

all: build

deps:
	@scripts/install-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

# Every test, through ctest (each GoogleTest case in its own process).
test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The mock on the default fixtures, for offline work: `make serve ARGS="--port 0 --auto-consent"`.
serve: build
	$(BUILD)/bin/chronapilot-mock $(ARGS)

# The conformance suite (scenarios/) against the bundled reference client, then against the
# Python adapter (examples/adapters/python), each with its report. `make run ARGS="--tag pkce"`.
PYTHON_ADAPTER = python3 examples/adapters/python/chronapilot_adapter.py
run: build
	@echo "== conformance: bundled reference client (C++)"
	@$(BUILD)/bin/chronapilot-conformance -j$(JOBS) $(ARGS)
	@echo
	@echo "== conformance: Python adapter (examples/adapters/python)"
	@$(BUILD)/bin/chronapilot-conformance -j$(JOBS) --client "$(PYTHON_ADAPTER)" $(ARGS)

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer; any report fails.
asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCHRONAPILOT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) -- --no-print-directory
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# Start-up time, memory and throughput figures (see README "Performance").
bench: build
	@scripts/install-deps.sh bench
	@bench/run.sh $(BUILD)

format:
	@scripts/install-deps.sh format
	@clang-format -i $$(git ls-files '*.cc' '*.h')

format-check:
	@scripts/install-deps.sh format
	@clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
