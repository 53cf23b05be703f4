# Benchmarks (not tests): make bench. Each prints side-by-side figures and ratios.
EXTRA_DIST += tests/bench/bench_relay.py
.PHONY: bench-relay
bench-relay: all
	RELAY_BIN='$(abs_top_builddir)/1min-relay' TOP_SRCDIR='$(abs_top_srcdir)' python3 $(top_srcdir)/tests/bench/bench_relay.py
bench: bench-relay bench-rl bench-tok
EXTRA_DIST += tests/bench/bench_streams.py
.PHONY: bench-streams
bench-streams: all
	RELAY_BIN='$(abs_top_builddir)/1min-relay' TOP_SRCDIR='$(abs_top_srcdir)' python3 $(top_srcdir)/tests/bench/bench_streams.py
bench: bench-streams
EXTRA_DIST += tests/bench/bench_large.py
.PHONY: bench-large
bench-large: all
	RELAY_BIN='$(abs_top_builddir)/1min-relay' TOP_SRCDIR='$(abs_top_srcdir)' python3 $(top_srcdir)/tests/bench/bench_large.py
bench: bench-large
