# vgpuc - build, test and install.
#
#   make                 build ./vgpuc
#   make deps            install every dependency (Debian 12: apt-get + npm ci)
#   make test            unit, golden, CLI, validator, format, twin, LSP tests and twin-scenarios-ci
#   make check-format    every C source follows .clang-format (part of make test)
#   make twin-scenarios  every Hyper-V and VMware golden and example run in the twin (tests/twin/scenarios)
#   make check-sanitize  the whole test suite under ASan + UBSan
#   make check-valgrind  the golden suite under valgrind (0 errors, 0 leaks)
#   make check-tsan      the second thread (scanner, planner, rules) under ThreadSanitizer
#   make fuzz            libFuzzer targets for FUZZ_SECONDS each
#   make bench           the benchmark of docs/performance.md (BENCH_QUICK=1: 1k and 10k VMs only)
#   make twin            the twin's own Pester tests (tests/twin; part of make test)
#   make twin-rollout    the rollout scripts in the twin (part of make test)
#   make lsp             the language server driven by an LSP client (tests/lsp; part of make test)
#   make install / uninstall  (PREFIX, DESTDIR)
#
# Parser and scanner are generated from grammar/ into $(BUILD)/gen, never
# committed, and compiled with relaxed warnings; all else is -Werror.

VERSION   := 0.1.0
CC        ?= cc
BUILD     ?= build
PREFIX    ?= /usr/local
DESTDIR   ?=
BISON     ?= bison
FLEX      ?= flex
OPT       ?= -O2 -g
SAN       ?=
FUZZ_SECONDS ?= 60
PWSH_VERSION   := 7.6.10
PESTER_VERSION := 5.7.1

# pwsh is a global .NET tool: its folder is on PATH for every recipe.
export PATH := $(PATH):$(HOME)/.dotnet/tools

WARN      := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wno-unused-parameter
CPPFLAGS  += -D_POSIX_C_SOURCE=200809L -DVGPUC_VERSION='"$(VERSION)"' -Icompiler -I. -I$(BUILD)/gen \
             -DVGPUC_DOCS_URL='"file://$(PREFIX)/share/vgpuc/rules.md"'
BASEFLAGS := -std=c11 -pthread $(OPT) $(SAN)
CFLAGS_ALL = $(BASEFLAGS) $(WARN) $(CFLAGS)
CFLAGS_GEN = $(BASEFLAGS) -w $(CFLAGS)
LDLIBS    += -lyaml -ljansson -lm -pthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

SRC       := $(sort $(wildcard compiler/*/*.c backends/*.c))
LIBSRC    := $(filter-out compiler/driver/main.c,$(SRC))
GEN_C     := $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c $(BUILD)/gen/catalog_data.c $(BUILD)/gen/catalog_snap.c \
             $(BUILD)/gen/ps_runtime.c
OBJ       := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIBSRC))
GEN_OBJ   := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_C))
MAIN_OBJ  := $(BUILD)/obj/compiler/driver/main.o
LIB       := $(BUILD)/libvgpuc.a
BIN       := $(if $(filter build,$(BUILD)),vgpuc,$(BUILD)/vgpuc)
CATALOG   := $(sort $(wildcard catalog/*.yaml))
# The scripts' PowerShell runtime, embedded into every generated script.
PS_RUNTIME := $(sort $(wildcard backends/powershell/*.ps1))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HDRS      := $(wildcard compiler/*/*.h backends/*.h compiler/*/*.def)

.PHONY: FORCE all test unit golden cli hostile validators twin twin-adopt twin-rollout twin-scenarios twin-scenarios-ci lsp check-sanitize check-valgrind fuzz fuzz-lib bench deps \
        install uninstall clean docs check-docs check-tsan check-format
.DELETE_ON_ERROR:

all: $(BIN)

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(BASEFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(LIB): $(OBJ) $(GEN_OBJ)
	rm -f $@
	ar rcs $@ $^

# Everything but the compiled catalog: what tools/catalog-snap links against.
BASE_LIB := $(BUILD)/libvgpuc-base.a
$(BASE_LIB): $(OBJ) $(filter-out $(BUILD)/obj/gen/catalog_snap.o,$(GEN_OBJ))
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(HDRS) $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_GEN) -c -o $@ $<

# The scanner's DFA loop (a table load per input byte): at -O3 the compiler
# rotates it, 7 instructions a byte instead of 8 (docs/performance.md, round
# 10). Only for the default optimised build; the sanitizer builds keep theirs.
ifeq ($(OPT),-O2 -g)
$(BUILD)/obj/gen/lexer.o: CFLAGS_GEN += -O3
endif

# Only the parser driver sees the generated header.
$(BUILD)/obj/compiler/syntax/parse.o: $(BUILD)/gen/parser.h

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: grammar/parser.y
	@mkdir -p $(dir $@)
	$(BISON) -Wall -Werror --header=$(BUILD)/gen/parser.h -o $(BUILD)/gen/parser.c $<

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: grammar/lexer.l $(BUILD)/gen/parser.h
	@mkdir -p $(dir $@)
	$(FLEX) --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/gen/catalog_data.c: $(CATALOG) $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ vg_builtin_catalog $(CATALOG)

$(BUILD)/gen/ps_runtime.c: $(PS_RUNTIME) $(BUILD)/embed
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ vg_ps_runtime $(PS_RUNTIME)

# The built-in catalog's YAML, parsed at build time (tools/catalog-snap.c).
$(BUILD)/catalog-snap: tools/catalog-snap.c $(BASE_LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(BASE_LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/gen/catalog_snap.c: $(CATALOG) $(BUILD)/catalog-snap
	@mkdir -p $(dir $@)
	$(BUILD)/catalog-snap $@ $(CATALOG)

# --- tests -------------------------------------------------------------------

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) $(wildcard tests/unit/*.h) tests/fuzz/scan_oracle.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIB) $(CMOCKA_LIBS) $(LDFLAGS) $(LDLIBS)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

golden: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/golden/run.sh
	VGPUC=$(abspath $(BIN)) sh tests/golden/plan/run.sh
	VGPUC=$(abspath $(BIN)) sh tests/golden/rollout/run.sh

cli: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/cli/run.sh

validators: $(BIN) $(BUILD)/tools/schema-words
	VGPUC=$(abspath $(BIN)) SCHEMA_WORDS=$(abspath $(BUILD)/tools/schema-words) sh tests/validators/run.sh

hostile: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/hostile/run.sh
	VGPUC=$(abspath $(BIN)) sh tests/hostile/security.sh

# The twin's own tests (tests/twin/tests/*.Tests.ps1, Pester). pwsh is required:
# a missing pwsh fails the target (make deps installs it), it is never skipped.
twin:
	@command -v pwsh >/dev/null 2>&1 || { echo "twin: pwsh not found on PATH ($(HOME)/.dotnet/tools included): run 'make deps'"; exit 1; }
	pwsh -NoProfile -NonInteractive -File tests/twin/Invoke-TwinTests.ps1 -PesterVersion $(PESTER_VERSION)

# The seven checks of tests/twin/README.md for every Hyper-V and VMware build
# golden and example, in the twin, in one pwsh process (docs/testing.md).
twin-scenarios: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/twin/scenarios/run.sh

# What make test (and so CI) runs of them: every check of the clusters whose
# checks all pass today, per platform: `all` (every golden and example of
# that platform) or a comma-separated list of input folders (golden-NAME,
# example-NAME). With both `all`, it is the whole suite, planted faults
# included (a -Filter leaves those out). Every Hyper-V and VMware golden and
# example passes today; should one fail, both lists name the folders that
# pass, without it, until it passes again (docs/testing.md).
TWIN_CI_HYPERV   := all
TWIN_CI_VMWARE   := all
twin-scenarios-ci: $(BIN)
	@case " $(TWIN_CI_HYPERV) $(TWIN_CI_VMWARE) " in \
	" all all ") filter="" ;; \
	*" all "*) echo "twin-scenarios-ci: set both TWIN_CI_HYPERV and TWIN_CI_VMWARE to all, or list the folders of both"; exit 2 ;; \
	*) filter="-Filter $(TWIN_CI_HYPERV),$(TWIN_CI_VMWARE)" ;; \
	esac; \
	echo "VGPUC=$(abspath $(BIN)) sh tests/twin/scenarios/run.sh $$filter"; \
	VGPUC=$(abspath $(BIN)) sh tests/twin/scenarios/run.sh $$filter

# `vgpuc lsp` driven over stdio by a client on vscode-languageserver-protocol
# (tests/lsp, installed by make deps), faults and measurements included.
lsp: $(BIN) $(BUILD)/tools/gen-cluster
	cd tests/lsp && VGPUC=$(abspath $(BIN)) GEN_CLUSTER=$(abspath $(BUILD)/tools/gen-cluster) \
	    LSP_SANITIZE=$(if $(SAN),1,) node run.mjs

# The rollout scripts in the twin (tests/twin/scenarios/rollout; docs/testing.md).
twin-rollout: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/twin/scenarios/rollout/run.sh

# The adoption round trip (tests/twin/adopt; docs/adopt.md).
twin-adopt: $(BIN)
	VGPUC=$(abspath $(BIN)) sh tests/twin/adopt/run.sh

test: all
	@$(MAKE) -k --no-print-directory unit golden cli hostile validators check-docs check-format twin twin-adopt twin-rollout lsp twin-scenarios-ci

check-sanitize:
	$(MAKE) BUILD=build-san CC=clang SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    OPT='-O1 -g' unit golden cli hostile lsp

# The second thread (compiler/syntax/scan.c, plan/plan.c, rules/rules.c) under
# ThreadSanitizer: the tests that run it, and lints of a large estate (big
# enough to start all three).
TSAN_TESTS := test_threads test_parse test_core test_scan
check-tsan:
	$(MAKE) BUILD=build-tsan CC=clang SAN='-fsanitize=thread' OPT='-O1 -g' \
	    $(addprefix build-tsan/tests/,$(TSAN_TESTS)) build-tsan/vgpuc build-tsan/tools/gen-cluster
	@for t in $(TSAN_TESTS); do echo "== build-tsan/tests/$$t"; TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/$$t || exit 1; done
	build-tsan/tools/gen-cluster 20000 build-tsan/estate.vgpu build-tsan/estate.yaml
	sed 's/guest-driver /guest-driver = /' build-tsan/estate.vgpu > build-tsan/broken.vgpu
	for f in estate broken; do TSAN_OPTIONS=halt_on_error=1 build-tsan/vgpuc lint -q --no-config --error-limit 3 \
	    build-tsan/$$f.vgpu > /dev/null; test $$? -le 1 || exit 1; done

check-valgrind: $(BIN)
	VGPUC=$(abspath $(BIN)) VGPUC_WRAP='valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all' \
	    sh tests/golden/run.sh

# docs/rules.md is generated from the registry; check-docs fails when stale.
docs: $(BIN)
	./$(BIN) rules --format markdown > docs/rules.md

check-docs: $(BIN)
	@./$(BIN) rules --format markdown | diff -u docs/rules.md - >/dev/null || \
	    { echo "docs/rules.md is out of date: run 'make docs'"; exit 1; }

# --- fuzzing (tests/fuzz) ------------------------------------------------------

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS := $(patsubst -I$(BUILD)/gen,-Ibuild-fuzz/gen,$(CPPFLAGS))

# One sub-make builds the instrumented library (generated parser, scanner and
# embedded catalog in build-fuzz/gen) before any target links against it.
fuzz-lib: FORCE
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SAN='$(FUZZ_SAN)' OPT='-O1 -g' build-fuzz/libvgpuc.a

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.h tests/fuzz/scan_oracle.h fuzz-lib
	clang $(FUZZ_CPPFLAGS) -std=c11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< build-fuzz/libvgpuc.a $(LDLIBS)

fuzz: $(FUZZ_TARGETS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

FORCE:

# --- benchmark (docs/performance.md) -----------------------------------------

TOOLS_CFLAGS := -std=c11 -O2 -D_DEFAULT_SOURCE $(WARN)

$(BUILD)/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -o $@ $< -lyaml

# Time, arena bytes and peak RSS per stage of one lint (tools/bench-stages FILE).
$(BUILD)/tools/bench-stages: tools/bench-stages.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# The words of the language from the schema table (tests/validators/check-textmate.sh).
$(BUILD)/tools/schema-words: tools/schema-words.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# The C sources follow .clang-format (120 columns); `clang-format -i FILE` fixes one.
FORMAT_SRC = $(wildcard compiler/*/*.c compiler/*/*.h backends/*.c backends/*.h tools/*.c tests/unit/*.c \
                        tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h)
check-format:
	@command -v clang-format >/dev/null || { echo "check-format: clang-format not found (make deps)"; exit 1; }
	@clang-format --dry-run -Werror $(FORMAT_SRC)
	@echo "check-format: $(words $(FORMAT_SRC)) files follow .clang-format"

bench: $(BIN) $(BUILD)/tools/gen-cluster $(BUILD)/tools/yaml-baseline $(BUILD)/tools/bench-run \
       $(BUILD)/tools/bench-stages
	VGPUC=$(abspath $(BIN)) BENCH_DIR=$(BUILD)/bench TOOLS=$(BUILD)/tools sh tools/bench.sh

# --- dependencies ------------------------------------------------------------

APT_PACKAGES := build-essential pkg-config flex bison libyaml-dev libjansson-dev libcmocka-dev clang \
                libclang-rt-14-dev clang-format valgrind nodejs shellcheck jq pre-commit groff-base git \
                python3 chromium neovim

deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $(APT_PACKAGES) && \
	if ! command -v npm >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends npm; fi
	cd tools/validators && npm ci --no-audit --no-fund
	cd tests/lsp && npm ci --no-audit --no-fund
	cd editors/vscode && npm ci --no-audit --no-fund
	@command -v dotnet >/dev/null 2>&1 || { echo "deps: the .NET SDK (dotnet) is needed to install pwsh and Pester"; exit 1; }
	@if dotnet tool list --global | grep -qi '^powershell  *$(PWSH_VERSION) '; then echo "deps: pwsh $(PWSH_VERSION) already installed"; \
	elif dotnet tool list --global | grep -qi '^powershell '; then dotnet tool update --global PowerShell --version $(PWSH_VERSION) --allow-downgrade; \
	else dotnet tool install --global PowerShell --version $(PWSH_VERSION); fi
	dotnet restore tests/twin/deps/pester.csproj

# --- install -----------------------------------------------------------------

# Every installed file is listed once here, so install and uninstall agree.
MANDIR    := $(DESTDIR)$(PREFIX)/share/man/man1
SHAREDIR  := $(DESTDIR)$(PREFIX)/share/vgpuc
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
VIMDIR    := $(DESTDIR)$(PREFIX)/share/vim/vimfiles

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(SHAREDIR)/catalog $(MANDIR) $(BASHCOMPDIR) \
	    $(VIMDIR)/syntax $(VIMDIR)/ftdetect
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vgpuc
	install -m 0644 $(CATALOG) $(SHAREDIR)/catalog/
	install -m 0644 docs/rules.md $(SHAREDIR)/rules.md
	install -m 0644 docs/vgpuc.1 $(MANDIR)/vgpuc.1
	install -m 0644 completion/vgpuc.bash $(BASHCOMPDIR)/vgpuc
	install -m 0644 editors/vim/syntax/vgpu.vim $(VIMDIR)/syntax/vgpu.vim
	install -m 0644 editors/vim/ftdetect/vgpu.vim $(VIMDIR)/ftdetect/vgpu.vim

# Removes only what install wrote; shared folders (man1, vimfiles) stay.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vgpuc $(MANDIR)/vgpuc.1 $(BASHCOMPDIR)/vgpuc \
	    $(VIMDIR)/syntax/vgpu.vim $(VIMDIR)/ftdetect/vgpu.vim
	rm -rf $(SHAREDIR)

clean:
	rm -rf build build-san build-fuzz build-tsan vgpuc
