# make up / down / status: the whole thing on this machine (scaleout/local).
PORT ?= 8080
EMULATOR_PORT ?= 5000
LOCAL_ARGS = --port $(PORT) --emulator-port $(EMULATOR_PORT) --base-image $(BASE_IMAGE) \
	$(if $(filter 1,$(V)),--verbose)

.PHONY: up
up: $(VENV_READY) ## Bring the whole thing up locally: emulator, stack, image, deploy, http://127.0.0.1:8080 (V=1: Ansible's output)
	@$(PY) -m scaleout.local up $(LOCAL_ARGS)

.PHONY: down
down: $(VENV_READY) ## Stop what make up started and remove its state
	@$(PY) -m scaleout.local down $(LOCAL_ARGS)

.PHONY: status
status: $(VENV_READY) ## Show what make up started and whether it answers
	@$(PY) -m scaleout.local status $(LOCAL_ARGS)
