# Load test (docs/loadtest.md): staged load with hey, the ENV= stack's fleet watched, and a
# report (summary.md, timeline.png) in OUT=. Every variable is optional:
#   URL=           what to load (ENV=local: http://127.0.0.1:8080/api; ENV=aws: the stack's ALB)
#   STAGES=        RATE[:LENGTH],... total requests per second per stage, e.g. 20:1m,200:3m,20:2m
#   STAGE_LENGTH=  length of a stage given without one (1m)
#   CONCURRENCY=   most hey workers in a stage (500)
#   OUT=           results folder (loadtest-runs/<UTC time>)
#   CLUSTER= SERVICE=  watch another service than the stack's own
#   LOADTEST_ARGS= more flags (`$(PY) -m scaleout.loadtest --help`), e.g. --observe-after 15m
LOADTEST_ARGS ?=
LOADTEST_FLAGS = --env '$(ENV)' $(if $(URL),--url '$(URL)') $(if $(STAGES),--stages '$(STAGES)') \
	$(if $(STAGE_LENGTH),--stage-length '$(STAGE_LENGTH)') \
	$(if $(CONCURRENCY),--max-workers '$(CONCURRENCY)') $(if $(OUT),--out '$(OUT)') \
	$(if $(CLUSTER),--cluster '$(CLUSTER)') $(if $(SERVICE),--service '$(SERVICE)') $(LOADTEST_ARGS)

.PHONY: loadtest
loadtest: $(VENV_READY) ## Staged load with hey, the fleet watched, report in OUT= (URL= STAGES= STAGE_LENGTH= CONCURRENCY=)
	$(PY) -m scaleout.loadtest $(strip $(LOADTEST_FLAGS))
