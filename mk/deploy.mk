# Deploys: put an image live and wait for ECS's verdict (docs/deploy.md).
STRATEGY ?=
DEPLOY_ARGS = -i ansible/inventories/$(ENV) $(if $(STRATEGY),-e ecs_deploy_strategy=$(STRATEGY))

.PHONY: deploy
deploy: $(VENV_READY) ## Deploy IMAGE= to ENV= and wait for the verdict (STRATEGY=rolling|blue_green)
	@test -n "$(IMAGE)" || { echo "make deploy: say which image, e.g. IMAGE=<repository uri>:<tag>" >&2; exit 2; }
	@$(EMULATOR_ENV); \
	$(VENV)/bin/ansible-playbook $(DEPLOY_ARGS) -e ecs_deploy_image='$(IMAGE)' ansible/deploy.yml

.PHONY: rollback
rollback: $(VENV_READY) ## Go back to the previous successful revision on ENV=, same verdict
	@$(EMULATOR_ENV); \
	$(VENV)/bin/ansible-playbook $(DEPLOY_ARGS) ansible/rollback.yml
