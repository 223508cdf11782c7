# The targets the README names. `make up` runs the whole system on this machine; `make test` runs every test.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test bench install migrate demo lint format clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(VENV)/.installed

# reinstall only when the dependencies change
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

migrate: install
	$(BIN)/python -m libs.migrate

demo: migrate
	$(BIN)/python -m services.content.demo
	$(BIN)/python -m services.gateway.demo

up: install
	bash deploy/infra.sh wzw
	$(MAKE) --no-print-directory demo
	@echo ""
	@echo "  微政务 is starting (Ctrl-C stops everything):"
	@echo "    微信沙箱（手机）  http://127.0.0.1:8090/        chat as a citizen, open the H5 pages"
	@echo "    市民 H5          http://127.0.0.1:8080/h5/complaints/new   (open it from the sandbox phone)"
	@echo "    工作台登录       http://127.0.0.1:8080/admin/login   shouli / demo12345 (受理中心), huanbao / demo12345 (环保局)"
	@echo "    API              http://127.0.0.1:8080/api/openapi.json"
	@echo "    健康检查         http://127.0.0.1:8080/readyz"
	@echo ""
	$(BIN)/honcho start -f deploy/Procfile -e deploy/Procfile.env -d .

# two runs: the service tier needs eventlet's monkey patch, the system tier (real processes, Chromium) must not have it
test: install
	bash deploy/infra.sh wzw
	$(BIN)/python -m pytest -p pytest_nameko services
	$(BIN)/python -m pytest libs tests

bench: install
	bash deploy/infra.sh wzw_bench
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
