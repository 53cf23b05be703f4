# Operations (issue 13): metrics, access log, --check-config, manual page
# (core/metrics, shm, record and accesslog have their unit test here too).
ops_integration_tests = \
	tests/integration/test_metrics.py \
	tests/integration/test_accesslog.py \
	tests/integration/test_check_config.py \
	tests/integration/test_manpage.py \
	tests/integration/test_install.py \
	tests/integration/test_dist.py
TESTS += $(ops_integration_tests)
EXTRA_DIST += $(ops_integration_tests) tests/integration/ops_envvars.py

check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(unit_cflags)
tests_unit_test_metrics_LDADD = $(unit_libs)
