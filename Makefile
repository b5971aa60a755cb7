# kplane: one non-recursive Makefile (STYLE.md section 13).
#   make            build bin/kplane (MODE=debug|release|asan|tsan|fuzz)
#   make run        install what is missing, build, start kplane on https://127.0.0.1:6443
#   make test       unit + integration (real PostgreSQL) + corpus replay + e2e (real kubectl)
#   make lint       clang-format, cppcheck, library-header placement
#   make bench      kplane against raw PostgreSQL and etcd, side by side

MODE ?= debug
CC ?= cc
BUILD := build/$(MODE)

PKGS := libmicrohttpd jansson openssl yaml-0.1 libcurl libgit2 gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PG_INC := $(shell pg_config --includedir 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wpointer-arith -Wwrite-strings -Wundef -Wimplicit-fallthrough -fno-common
CFLAGS_debug := -O0 -g3
CFLAGS_release := -O2 -g -DNDEBUG -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize=nonnull-attribute
CFLAGS_tsan := -O1 -g -fsanitize=thread
CFLAGS_fuzz := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
LDFLAGS_asan := -fsanitize=address,undefined
LDFLAGS_tsan := -fsanitize=thread
LDFLAGS_fuzz := -fsanitize=address,undefined -fno-sanitize-recover=undefined
ifeq ($(MODE),fuzz)
CC := clang
endif

CFLAGS := -std=c11 -D_GNU_SOURCE -I. -I$(PG_INC) $(PKG_CFLAGS) $(WARN) $(CFLAGS_$(MODE)) -MMD -MP
LDLIBS := $(PKG_LIBS) -lpq -lpthread -lm
LDFLAGS += $(LDFLAGS_$(MODE))

LIB_SRC := $(sort $(wildcard lib/*.c))
SRV_SRC := $(sort $(filter-out apiserver/main.c,$(wildcard apiserver/*.c)))
WS_SRC := $(sort $(filter-out workspaces/kubectl_ws.c,$(wildcard workspaces/*.c)))
GITOPS_SRC := $(sort $(wildcard gitops/*.c))
SYNC_SRC := $(sort $(wildcard sync/*.c))
CORE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC) $(SRV_SRC) $(WS_SRC) $(GITOPS_SRC) $(SYNC_SRC))
CORE_LIB := $(BUILD)/libkplane.a

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BIN := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(INTEG_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/replay_%,$(FUZZ_SRC))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
TEST_SUPPORT := $(BUILD)/tests/support/testlib.o

.PHONY: all run test test-build lint format bench deps clean fuzz golden
WS_PLUGINS := bin/kubectl-ws bin/kubectl-create-workspace
all: bin/kplane $(WS_PLUGINS)

deps:
	@./deploy/install-deps.sh

# bin/kplane is shared by every MODE: a stamp per mode makes a switch relink it.
MODE_STAMP := build/.mode-$(MODE)
$(MODE_STAMP):
	@mkdir -p build
	@rm -f build/.mode-*
	@touch $@

bin/kplane: $(BUILD)/apiserver/main.o $(CORE_LIB) $(MODE_STAMP)
	@mkdir -p bin
	@echo "  LD $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

bin/kubectl-ws: $(BUILD)/workspaces/kubectl_ws.o $(CORE_LIB) $(MODE_STAMP)
	@mkdir -p bin
	@echo "  LD $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

# the same program: called by this name it acts as "kubectl create workspace"
bin/kubectl-create-workspace: bin/kubectl-ws
	@ln -sf kubectl-ws $@

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# Link inputs only: the generated .d files add headers as prerequisites too.
LINK_IN = $(filter %.c %.o %.a,$^)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TEST_SUPPORT) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(LINK_IN) $(LDLIBS) -lcmocka

$(BUILD)/tests/test_%: tests/integration/test_%.c $(TEST_SUPPORT) $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(LINK_IN) $(LDLIBS) -lcmocka

$(BUILD)/tests/support/testlib.o: tests/support/testlib.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

# Outside MODE=fuzz each fuzz target is linked with a driver that replays its corpus.
$(BUILD)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay_driver.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(LINK_IN) $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(LINK_IN) $(LDLIBS)

fuzz: $(FUZZ_BIN)

test-build: bin/kplane $(WS_PLUGINS) $(UNIT_BIN) $(INTEG_BIN) $(REPLAY_BIN)

run: deps
	@$(MAKE) --no-print-directory bin/kplane $(WS_PLUGINS)
	./bin/kplane serve $(ARGS)

test: deps
	@$(MAKE) --no-print-directory test-build
	@./tests/run.sh $(BUILD)

# Rewrites the golden files of the tests that have them (tests/data/<area>/); review the diff.
golden: test-build
	@KP_GOLDEN_UPDATE=1 KPLANE_ROOT=$(CURDIR) $(BUILD)/tests/test_openapi >/dev/null
	@git status --short tests/data

lint:
	@./tests/lint.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# The bench's load generator (one thread, libcurl multi).
$(BUILD)/bench/loadgen: bench/loadgen.c
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

bench:
	@./deploy/install-deps.sh etcd-server
	@$(MAKE) --no-print-directory MODE=release bin/kplane build/release/bench/loadgen
	@./bench/run.sh

clean:
	rm -rf build bin/kplane $(WS_PLUGINS)

-include $(shell find build -name '*.d' 2>/dev/null)
