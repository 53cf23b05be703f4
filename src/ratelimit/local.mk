# ratelimit module build fragment: the limiter, its unit tests and benchmark
librelay_a_SOURCES += \
	src/ratelimit/rl.c src/ratelimit/rl.h \
	src/ratelimit/rl_config.c \
	src/ratelimit/rl_client.c src/ratelimit/rl_client.h \
	src/ratelimit/rl_mc.c src/ratelimit/rl_mc.h \
	src/ratelimit/rl_table.c src/ratelimit/rl_table.h \
	src/ratelimit/rl_window.c src/ratelimit/rl_window.h

check_PROGRAMS += tests/unit/test_rl_window
TESTS += tests/unit/test_rl_window
tests_unit_test_rl_window_SOURCES = tests/unit/test_rl_window.c
tests_unit_test_rl_window_CFLAGS = $(unit_cflags)
tests_unit_test_rl_window_LDADD = $(unit_libs)

check_PROGRAMS += tests/unit/test_rl_config
TESTS += tests/unit/test_rl_config
tests_unit_test_rl_config_SOURCES = tests/unit/test_rl_config.c
tests_unit_test_rl_config_CFLAGS = $(unit_cflags)
tests_unit_test_rl_config_LDADD = $(unit_libs)

check_PROGRAMS += tests/unit/test_rl_local
TESTS += tests/unit/test_rl_local
tests_unit_test_rl_local_SOURCES = tests/unit/test_rl_local.c
tests_unit_test_rl_local_CFLAGS = $(unit_cflags)
tests_unit_test_rl_local_LDADD = $(unit_libs)

check_PROGRAMS += tests/unit/test_rl_memcached
TESTS += tests/unit/test_rl_memcached
tests_unit_test_rl_memcached_SOURCES = tests/unit/test_rl_memcached.c tests/unit/rl_test_memcached.h
tests_unit_test_rl_memcached_CFLAGS = $(unit_cflags)
tests_unit_test_rl_memcached_LDADD = $(unit_libs)

# integration: several relay processes and hosts behind lighttpd, spawn-fcgi, CGI
TESTS += tests/integration/test_ratelimit.py
EXTRA_DIST += tests/integration/test_ratelimit.py

# bench-rl (not a test): the limiter's cost in-process and end to end
check_PROGRAMS += tests/bench/rl_bench
tests_bench_rl_bench_SOURCES = tests/bench/rl_bench.c
tests_bench_rl_bench_CFLAGS = $(unit_cflags)
tests_bench_rl_bench_LDADD = $(unit_libs)
EXTRA_DIST += tests/bench/rl_bench.py
.PHONY: bench-rl
bench-rl: all tests/bench/rl_bench
	RELAY_BIN='$(abs_top_builddir)/1min-relay' TOP_SRCDIR='$(abs_top_srcdir)' RL_BENCH_BIN='$(abs_top_builddir)/tests/bench/rl_bench' python3 $(top_srcdir)/tests/bench/rl_bench.py
