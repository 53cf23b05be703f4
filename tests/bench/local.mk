# benchmarks: make bench
bench: all
