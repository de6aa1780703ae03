# Provisioning (docs/provisioning.md): the whole AWS stack with Ansible, and its removal.
# ENV=local talks to the emulator at EMULATOR_URL with fake credentials only; ENV=aws to the
# account of your AWS credentials (profile, SSO, OIDC). PROVISION_ARGS= passes flags to
# ansible-playbook (e.g. --check --diff, or -e project_compute=fargate).
PROVISION_ARGS ?=

.PHONY: provision
provision: $(VENV_READY) ## Create or update the whole stack in ENV=local|aws (a re-run changes nothing)
	@$(EMULATOR_ENV); \
	$(VENV)/bin/ansible-playbook -i ansible/inventories/$(ENV) ansible/site.yml $(PROVISION_ARGS)

.PHONY: teardown
teardown: $(VENV_READY) ## Remove everything provision made in ENV=local|aws
	@$(EMULATOR_ENV); \
	$(VENV)/bin/ansible-playbook -i ansible/inventories/$(ENV) ansible/teardown.yml $(PROVISION_ARGS)
