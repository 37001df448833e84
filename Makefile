# smtpscope — thin wrapper over CMake/CTest.
#   make run [ARGS='check mail.example.com:587']   build and run (no ARGS: demo)
#   make test                                       deps, normal + ASan/UBSan builds, all tests
#   make fuzz FUZZ_SECONDS=N                        run every libFuzzer target for N seconds
.PHONY: run test build build-asan deps fuzz clean format

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 30
FUZZ_SMOKE_SECONDS ?= 5

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
ifeq ($(strip $(ARGS)),)
	@bash scripts/demo.sh $(BUILD)/smtpscope
else
	@$(BUILD)/smtpscope $(ARGS)
endif

test: build build-asan
	@echo "== tests: normal build"
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== tests: ASan + UBSan build"
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)
	@if command -v clang >/dev/null 2>&1; then \
	  echo "== fuzz smoke: every libFuzzer target for $(FUZZ_SMOKE_SECONDS) s"; \
	  $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS); \
	else echo "== fuzz smoke skipped: no clang"; fi

fuzz: deps
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DFUZZ=ON -DTESTING=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
