# Capacity plan and policy check (docs/plan.md): no AWS account, no AWS call.
# PLAN_ARGS= passes flags, e.g. PLAN_ARGS='--loadtest-rps 200 --json' (see
# `$(PY) -m scaleout.plan --help`); STAGES= (the load test's) checks max tasks against its peak.
# Exit 1 when the configuration has errors.
PLAN_ARGS ?=

.PHONY: plan
plan: $(VENV_READY) ## Capacity, time bounds and cost of ENV= before anything is created (no AWS call)
	$(PY) -m scaleout.plan --env $(ENV) $(if $(STAGES),--loadtest-stages '$(STAGES)') $(PLAN_ARGS)
