# Provisioning (docs/provisioning.md): the whole AWS stack with Ansible, and its removal.
# ENV=local talks to the emulator at EMULATOR_URL with fake credentials only; ENV=aws to the
# account of your AWS credentials (profile, SSO, OIDC). PROVISION_ARGS= passes flags to
# ansible-playbook (e.g. --check --diff, or -e project_compute=fargate).
EMULATOR_URL ?= http://127.0.0.1:5000
PROVISION_ARGS ?=

# For ENV=local: stop unless the emulator answers, then aim boto3 at it with fake credentials.
PROVISION_ENV = \
	if [ "$(ENV)" = local ]; then \
	  $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=5)' \
	    '$(EMULATOR_URL)' 2>/dev/null \
	  || { echo "make $@: no emulator answers at $(EMULATOR_URL): start it with python -m scaleout.emulator (or set EMULATOR_URL=)" >&2; exit 1; }; \
	  export AWS_ENDPOINT_URL='$(EMULATOR_URL)' AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	    AWS_SESSION_TOKEN=testing AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null; \
	  unset AWS_PROFILE; \
	fi

.PHONY: provision
provision: $(VENV)/.installed ## Create or update the whole stack in ENV=local|aws (a re-run changes nothing)
	@$(PROVISION_ENV); \
	$(VENV)/bin/ansible-playbook -i ansible/inventories/$(ENV) ansible/site.yml $(PROVISION_ARGS)

.PHONY: teardown
teardown: $(VENV)/.installed ## Remove everything provision made in ENV=local|aws
	@$(PROVISION_ENV); \
	$(VENV)/bin/ansible-playbook -i ansible/inventories/$(ENV) ansible/teardown.yml $(PROVISION_ARGS)
