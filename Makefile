# xbarsim — one flat Makefile. `make run` and `make test` are the quick start.
#
# Every .c file in a module directory is part of libxbarsim.a; every
# tests/<module>/test_*.c is its own CMocka executable; every tests/cli/test_*.sh
# is an end-to-end test of the built CLI; every bench/bench_*.c is a benchmark.
# BUILD selects the output directory, so several builds can share a checkout.

BUILD   ?= build
CC      ?= cc
MODULES := core devices circuits xbar learning scenarios reports

# Debian packages the project uses; `make deps` installs the missing ones.
PACKAGES := build-essential pkg-config zlib1g-dev libcmocka-dev libcsv-dev \
            libsundials-dev libngspice0-dev ngspice libopenblas-dev \
            libsuitesparse-dev librandom123-dev libopenmpi-dev openmpi-bin \
            gnuplot-nox dataset-fashion-mnist valgrind

# -Wconversion is replaced by -Wfloat-conversion: the full flag reports every
# int<->size_t index expression, which buries the conversions that lose value
# (double -> int, double -> float) that -Wfloat-conversion still catches.
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wfloat-conversion -Wvla -Werror
OPT     ?= -O2 -g
# _DEFAULT_SOURCE: POSIX + BSD declarations (mkdtemp, fsync, M_PI) under -std=c11.
CPPFLAGS += -I. -I/usr/include/suitesparse -D_DEFAULT_SOURCE -MMD -MP
CFLAGS  += -std=c11 $(OPT) $(WARN) -fPIC
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
MPI_CFLAGS  := $(shell pkg-config --cflags ompi-c 2>/dev/null)
CPPFLAGS += $(BLAS_CFLAGS) $(MPI_CFLAGS)
LDLIBS  += -lsundials_arkode -lsundials_cvode -lsundials_nvecserial \
           -lsundials_sunlinsolklu -lsundials_sunmatrixsparse \
           -lcholmod -lklu -lcsv -lz \
           $(shell pkg-config --libs openblas 2>/dev/null) \
           $(shell pkg-config --libs ompi-c 2>/dev/null) -ldl -lpthread -lm
TEST_LDLIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

LIB_SRC   := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libxbarsim.a
CLI_OBJ   := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c))
CLI       := $(BUILD)/xbarsim
TSUP_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/support/*.c))
TEST_SRC  := $(wildcard tests/*/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
CLI_TESTS := $(wildcard tests/cli/test_*.sh)
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run test unit-test cli-test bench asan valgrind clean headers
.DEFAULT_GOAL := all

all: $(LIB) $(CLI)

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "xbarsim: installing missing Debian packages:$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo "xbarsim: missing Debian packages. Install them with:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
	  exit 1; \
	fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	@echo "AR $@"
	@ar rcs $@ $^

$(CLI): $(CLI_OBJ) $(LIB)
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(TSUP_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(LDFLAGS) $< $(TSUP_OBJ) $(LIB) $(LDLIBS) $(TEST_LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

# Each public header compiles on its own (libgit2 headertest).
headers:
	@for m in $(MODULES); do \
	  echo "#include \"$$m/$$m.h\"" | $(CC) -std=c11 -pedantic $(WARN) $(CPPFLAGS) -x c -fsyntax-only - || exit 1; \
	done

run: deps all
	$(CLI) run scenarios/examples/quickstart.csv -o results/quickstart
	$(CLI) report results/quickstart

unit-test: $(TEST_BIN)
	@sh tests/run_all.sh $(BUILD) "" "$(TEST_BIN)" ""

cli-test: $(CLI)
	@sh tests/run_all.sh $(BUILD) "$(CLI)" "" "$(CLI_TESTS)"

test: deps
	@$(MAKE) --no-print-directory headers all $(TEST_BIN)
	@sh tests/run_all.sh $(BUILD) "$(CLI)" "$(TEST_BIN)" "$(CLI_TESTS)"

bench: deps $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" test

# Every CMocka suite under memcheck (slow: not part of `make test`).
valgrind: deps $(TEST_BIN)
	@for t in $(TEST_BIN); do \
	  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	    --suppressions=tests/valgrind.supp \
	    $$t >/dev/null 2>$(BUILD)/valgrind.log || { echo "FAIL  $$t"; cat $(BUILD)/valgrind.log; exit 1; }; \
	  echo "ok    $$t"; \
	done

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TSUP_OBJ:.o=.d)
