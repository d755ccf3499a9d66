# The two commands a newcomer runs. Both set up everything they need on a fresh Debian machine.
.PHONY: run test bench bench-scale bench-stream bench-memory faults scale-test stop-db fuzz

run:    ## local Postgres + local provider, prints a dev token, serves on 127.0.0.1:8000
	scripts/run.sh

test:   ## throwaway Postgres clusters, then every test
	scripts/test.sh

bench:  ## prints latency and throughput figures (see docs/benchmarks.md)
	scripts/bench.sh

bench-scale: ## the same /api/aei load at 200 users x 50 episodes and 10,000 users x 500: flat within 20%? (see docs/benchmarks.md)
	scripts/bench-scale.sh

bench-stream: ## streamed turns through a stub provider: time to first delta at 16 streams, 500 at once, rows (see docs/benchmarks.md)
	scripts/bench-stream.sh

bench-memory: ## long-term memory: recall@5 of planted facts, turn p50/p99 and archive search time at 50..100,000 episodes, both Postgres, both embedders (see docs/benchmarks.md)
	scripts/bench-memory.sh

faults: ## a Postgres restart, a kill -9, and a provider that hangs, refuses, is slow or drops streams, figures printed (see docs/reliability.md); `scripts/faults.sh soak` for the 10-minute soak
	scripts/faults.sh

scale-test: ## two instances through PgBouncer (transaction mode) behind haproxy: limits across instances, a rolling restart under load with 0 failed requests, every user's rows checked (see docs/reliability.md)
	scripts/scale-test.sh

stop-db: ## stops the development cluster of `make run` (it keeps running after Ctrl-C)
	scripts/pg.sh stop sigmaris $${SIGMARIS_DEV_PG_PORT:-54329}

fuzz:   ## libFuzzer on the JSON and JOSE/JWT parsers, FUZZ_SECONDS each (60); the corpus stays in Fuzz/corpus
	scripts/fuzz.sh
