# GitHub Actions workflows: validated offline (docs/workflows.md). `make test` runs the same
# checks through tests/workflows; this target runs them alone, faster.
WORKFLOWS_NODE_DIR := tests/workflows

# GitHub's own workflow parser, from npm, pinned by tests/workflows/package-lock.json.
$(WORKFLOWS_NODE_DIR)/node_modules/.installed: $(WORKFLOWS_NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix $(WORKFLOWS_NODE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "workflows: npm is missing (make system-deps installs it); the parser checks skip" >&2; \
	fi

# make test installs the parser first, so that its tests run rather than skip.
test: $(WORKFLOWS_NODE_DIR)/node_modules/.installed

.PHONY: lint-workflows
lint-workflows: $(VENV_READY) $(WORKFLOWS_NODE_DIR)/node_modules/.installed ## Check .github/workflows offline (zizmor, GitHub's parser, our rules)
	$(VENV)/bin/zizmor --offline --persona=pedantic .github/workflows
	node $(WORKFLOWS_NODE_DIR)/parse-workflows.mjs
	$(PY) -m pytest -q tests/workflows
