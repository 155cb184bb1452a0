# pg_conventions: PGXS build.  `make && make install`, then see README.md.
EXTENSION   = pg_conventions
MODULE_big  = pg_conventions
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))
DATA        = $(sort $(wildcard pg_conventions--*.sql))
SCRIPTS     = bin/pg_conventions_ci bin/pg_conventions_twin
PGFILEDESC  = "pg_conventions - schema conventions guard and index reports"

PG_CPPFLAGS = -I$(srcdir)/src


# pg_regress suites.  Each runs in its own throwaway cluster (scripts/test.sh):
#   guard         the library in shared_preload_libraries (the ProcessUtility hook,
#                 the workload capture), with pg_stat_statements
#   eventtrigger  no preload at all: CREATE EXTENSION + the event triggers only
# The rule tests are shared by both suites and have one expected file each, so
# both paths are held to the very same output.
RULE_TESTS       = require_primary_key require_timestamps foreign_key_index \
                   transactions seed awkward_names extension_scripts \
                   naming keys columns indexes settings exemptions \
                   transaction_control legacy safety safety_structures safety_will_fail
REGRESS_guard        = setup_guard mode $(RULE_TESTS) safety_hook both_paths privileges violations findings twin reports workload query_patterns upgrade
REGRESS_eventtrigger = setup_event_trigger $(RULE_TESTS) privileges_event_trigger advisor advisor_robust advisor_sizes
SUITE     ?= guard
REGRESS    = $(REGRESS_$(SUITE))
REGRESS_OPTS = --outputdir=output/$(SUITE) --encoding=UTF8 --no-locale

EXTRA_CLEAN = output tmp_check

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# pg_regress wants its output directory to exist.
installcheck: regress-outputdir
.PHONY: regress-outputdir
regress-outputdir:
	@mkdir -p output/$(SUITE)

# pg_regress before 15 converts the *.source files of input/ and output/ in
# its input directory, and stops when output/ (where our logs go) holds
# none: there the suites read sql/ and expected/ through links.
ifeq ($(shell test "$(MAJORVERSION)" -lt 15 2>/dev/null && echo old),old)
REGRESS_OPTS += --inputdir=tmp_check/regress
installcheck: regress-inputdir
.PHONY: regress-inputdir
regress-inputdir:
	@mkdir -p tmp_check/regress
	@ln -sfn ../../sql tmp_check/regress/sql
	@ln -sfn ../../expected tmp_check/regress/expected
endif

# PGXS tracks no header dependencies: every object depends on the shared
# headers, or a changed struct leaves stale objects with the old layout.
$(OBJS): src/pg_conventions.h src/compat.h
$(filter src/advisor/%,$(OBJS)): src/advisor/advisor.h
