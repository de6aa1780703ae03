# http-scale-out: the commands people type. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# What every target that runs our tools needs: the requirements, and the modules' interpreter.
VENV_READY = $(VENV)/.installed $(VENV)/bin/module-python
ENV ?= local
IMAGE_NAME ?= http-scale-out
IMAGE_TAG ?= dev
BASE_IMAGE ?= python:3.11-slim-bookworm
# Every test file runs whole on one worker (module and session fixtures stay cheap); each
# worker has its own emulator. PYTEST_ARGS= replaces these, e.g. PYTEST_ARGS=tests/unit.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=15

export PYTHONPATH := $(CURDIR)/app:$(CURDIR)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# uv installs the same pins in seconds where pip takes minutes (ansible alone is thousands of
# files); pip is the fallback. uv reads no pip.conf: point it at the system's CA bundle, which
# is what a TLS-inspecting proxy's certificate is added to.
UV_CERTS := $(if $(wildcard /etc/ssl/certs/ca-certificates.crt),SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
UV_VERSION ?= 0.13.9

$(VENV)/.installed: requirements.txt app/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	   && $(UV_CERTS) $(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.txt; then :; \
	else \
	  echo "venv: uv did not install the requirements; falling back to pip" >&2; \
	  $(PY) -m pip install --quiet -r requirements.txt; \
	fi
	touch $@

.PHONY: venv
venv: $(VENV_READY) ## Create .venv with everything the tools and tests need

# The interpreter the inventories run Ansible modules with when it exists: this venv's Python
# through plugins/module_python.py, which keeps the bytecode that zipimport cannot (see there).
# An interpreter cannot take an argument there, hence a script of its own; if the checkout it
# names is gone, it runs plain Python.
$(VENV)/bin/module-python: Makefile | $(VENV)/.installed
	printf '%s\n' '#!$(abspath $(PY))' \
	  '# Written by make venv: runs an Ansible module through plugins/module_python.py.' \
	  'import os, runpy, sys' \
	  'launcher = "$(CURDIR)/plugins/module_python.py"' \
	  'if not os.path.isfile(launcher):' \
	  '    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])' \
	  'runpy.run_path(launcher, run_name="__main__")' \
	  > $@.tmp
	chmod 755 $@.tmp
	mv $@.tmp $@

.PHONY: run
run: $(VENV_READY) ## Serve the app alone on http://127.0.0.1:8080 (Ctrl-C stops it)
	APP_HOST=$${APP_HOST:-127.0.0.1} APP_PORT=$${APP_PORT:-8080} exec $(PY) -m scaleout_app

.PHONY: system-deps
system-deps: ## Install the system tools the tests use (Docker engine, hey, debootstrap...) and start dockerd
	scripts/system-deps.sh

.PHONY: image
image: ## Build the service image (BASE_IMAGE= to change its base)
	scripts/docker-engine.sh start
	base=$$(scripts/docker-engine.sh base $(BASE_IMAGE)); \
	docker build --build-arg BASE_IMAGE=$$base -t $(IMAGE_NAME):$(IMAGE_TAG) -f app/Dockerfile app

.PHONY: lint
lint: $(VENV_READY) ## Run the linters and scanners (ruff, hadolint, ansible-lint, detect-secrets)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint app/Dockerfile
	$(VENV)/bin/ansible-lint --profile production --offline -q roles ansible
	VENV=$(VENV) scripts/scan-secrets.sh

.PHONY: test
test: system-deps $(VENV_READY) lint ## Run every test, installing what they need
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: $(VENV_READY) ## Quick feedback: every test that runs no playbook and needs no Docker
	$(PY) -m pytest -m "not playbook and not docker" $(PYTEST_ARGS)

.PHONY: lock
lock: $(VENV_READY) ## Re-pin app/requirements.txt (with hashes) from app/requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-header \
	  --no-emit-index-url --no-emit-find-links -o app/requirements.txt app/requirements.in

.PHONY: clean
clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache

# For ENV=local, the shell prologue of every target that talks to AWS: stop unless the emulator
# answers, then aim boto3 at it with its fake credentials only (never a profile or real keys):
# the shell lines come from scaleout/emulator, the one place that knows them.
EMULATOR_URL ?= http://127.0.0.1:5000
EMULATOR_ENV = \
	if [ "$(ENV)" = local ]; then \
	  $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=5)' \
	    '$(EMULATOR_URL)' 2>/dev/null \
	  || { echo "make $@: no emulator answers at $(EMULATOR_URL): start it with python -m scaleout.emulator or make up (or set EMULATOR_URL=)" >&2; exit 1; }; \
	  emulator_env=$$($(PY) -m scaleout.emulator --print-env '$(EMULATOR_URL)') || exit 2; \
	  eval "$$emulator_env"; \
	fi

SOAK_SECONDS ?= 120
.PHONY: soak
soak: $(VENV_READY) ## Sustained load on the service: errors, p99 and memory growth (SOAK_SECONDS=120)
	$(PY) -m benchmarks.soak --seconds $(SOAK_SECONDS)

# Each area keeps its targets in a fragment of its own.
-include $(sort $(wildcard mk/*.mk))
