# Benchmarks: figures and ratios printed, never asserted (benchmarks/RESULTS.md).
# `make bench` runs every benchmarks/*_bench.py in turn, so a new benchmark joins by its file
# name alone, and the exit status is the worst of theirs. BENCH= picks which to run; BENCH_ARGS=
# goes to every one picked, so pick one when passing flags:
#   make bench BENCH=benchmarks/service_bench.py BENCH_ARGS="--repetitions 9 --access-log off"
# Each benchmark's flags: $(PY) -m benchmarks.<name>_bench --help
BENCH ?= $(sort $(wildcard benchmarks/*_bench.py))
BENCH_ARGS ?=

.PHONY: bench
bench: $(VENV_READY) ## Run the benchmarks (benchmarks/*_bench.py): figures and ratios, no pass/fail
	@status=0; for file in $(BENCH); do \
	  module=$${file%.py}; module=$${module//\//.}; \
	  echo "== $$module"; \
	  $(PY) -m $$module $(BENCH_ARGS) || status=$$?; \
	done; exit $$status
