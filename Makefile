# vmnet.doctor — the two commands a user needs are `make demo` and `make test`.
# Everything else here is what those two are made of.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.collections
export PATH := $(VENV)/bin:$(PATH)

# Lab settings for `make lab` / `make lab-down` / `make demo`.
TOPOLOGY ?= bridged
PREFIX ?= vd
INVENTORY ?= $(ROOT)/.cache/lab/$(PREFIX).yml
# Extra arguments for pytest (e.g. PYTEST_ARGS='-k mtu -x').
PYTEST_ARGS ?=

.PHONY: help demo test setup setup-test sanity units lint integration lab lab-down bench dev clean

help:
	@echo "make demo   build the namespace lab, break it, and show what vmnet.doctor finds and fixes"
	@echo "make test   sanity, unit tests, ansible-lint and the integration tests"
	@echo "make lab [TOPOLOGY=bridged|routed|vlan] [PREFIX=vd]   build a lab and write its inventory"
	@echo "make lab-down [PREFIX=vd]   remove that lab"

setup:
	@scripts/bootstrap.sh all

setup-test:
	@scripts/bootstrap.sh all --test

demo: setup
	@scripts/demo.sh

test: setup-test
	$(MAKE) --no-print-directory sanity units lint integration

sanity:
	scripts/sanity.sh

units:
	$(PY) -m pytest -p no:cacheprovider tests/unit $(PYTEST_ARGS)

lint:
	cd $(ROOT) && $(VENV)/bin/ansible-lint roles playbooks

integration:
	@scripts/bootstrap.sh deps --test
	scripts/integration.sh $(PYTEST_ARGS)

lab: setup
	mkdir -p $(dir $(INVENTORY))
	$(PY) tests/lab/lab.py up --topology $(TOPOLOGY) --prefix $(PREFIX) --inventory $(INVENTORY)
	@echo "inventory: $(INVENTORY)"

lab-down:
	$(PY) tests/lab/lab.py down --prefix $(PREFIX)

bench: setup-test
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Development: point .collections at the source tree instead of the built copy.
dev:
	@mkdir -p .collections/ansible_collections/vmnet
	@rm -rf .collections/ansible_collections/vmnet/doctor
	@ln -s $(ROOT) .collections/ansible_collections/vmnet/doctor

clean:
	rm -rf .cache .collections reports
