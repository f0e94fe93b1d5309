# Thin wrapper over meson + ninja. `make run` and `make test` install what is missing first.
BUILD ?= build
CVISOR = $(BUILD)/cvisor

.PHONY: all deps build run test test-sanitize unit bench clean docs

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

# Only the runs under cvisor-asan (ASan + UBSan); `make test` includes them.
test-sanitize: build
	@scripts/test.sh $(BUILD) --suite syscalls-asan --suite robustness-asan

unit: build
	meson test -C $(BUILD) --suite unit

bench: build
	bench/run.sh $(CVISOR)

docs: build
	python3 tools/gen_syscall_docs.py $(CVISOR) > docs/syscalls.md

clean:
	rm -rf $(BUILD)
