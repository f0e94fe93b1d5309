# Thin wrapper over meson + ninja. `make run` and `make test` install what is missing first.
BUILD ?= build
CVISOR = $(BUILD)/cvisor

.PHONY: all deps build run test test-full test-sanitize unit bench clean docs

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@scripts/demo.sh $(CVISOR)

test: build
	@scripts/test.sh $(BUILD)

# `make test`, then suites written by others (issue 10): Go's standard library tests natively
# and in the sandbox (tests/compat/go.sh; PKGS="os syscall" picks packages).
test-full: test
	@scripts/deps.sh full
	tests/compat/go.sh $(CVISOR) $(PKGS)

# Only the runs under cvisor-asan (ASan + UBSan); `make test` includes them.
test-sanitize: build
	@scripts/test.sh $(BUILD) --suite syscalls-asan --suite robustness-asan

unit: build
	meson test -C $(BUILD) --suite unit

# The Performance Guide's figures (docs/benchmarks.md). RUNTIMES="native cvisor-ptrace ..."
# picks the runtimes (default: native and every one that works here); QUICK=1 a subset.
bench: build
	@scripts/bench-deps.sh
	bench/run.sh --cvisor=$(CVISOR) $(if $(RUNTIMES),--runtimes="$(RUNTIMES)") $(if $(filter 1 yes true,$(QUICK)),--quick)

docs: build
	python3 tools/gen_syscall_docs.py $(CVISOR) > docs/syscalls.md

clean:
	rm -rf $(BUILD)
