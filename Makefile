# The targets the README names. `make up` runs the whole system on this machine; `make test` runs every test.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# eventlet prints a deprecation notice on every nameko import; nameko 2.14 has no alternative yet
export PYTHONWARNINGS := ignore::Warning:nameko.extensions,ignore::Warning:nameko.containers,ignore::Warning:nameko.cli.commands

.PHONY: up test bench install migrate demo lint format clean otp admin

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
	$(BIN)/python -m services.surveys.demo
	$(BIN)/python -m services.ratings.demo

# development: the gateway generates its own session secret into var/ (kept out of git) on first start
up: export WZW_ENV=development
# a department's own Official Account beside the city's (sandbox credentials), to try several accounts
up: export WECHAT_ACCOUNTS=$(shell cat deploy/config/sandbox_accounts.json)
up: install
	bash deploy/infra.sh wzw
	$(MAKE) --no-print-directory demo
	@echo "Starting 微政务: the URLs are printed once every service answers."
	$(BIN)/honcho start -f deploy/Procfile -d .

# two runs: the service tier needs eventlet's monkey patch, the system tier (real processes, Chromium) must not have it
test: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	bash deploy/infra.sh wzw
	bash deploy/browser.sh
	$(BIN)/python -m pytest -p pytest_nameko services
	WZW_SCREENSHOTS=var/screenshots $(BIN)/python -m pytest libs tests
	@echo "page screenshots (phone and laptop sizes): var/screenshots/"

bench: install
	bash deploy/infra.sh wzw_bench
	$(BIN)/python -m bench

# the demo's 系统管理员 (admin) and 督办 (duban) sign in with a TOTP code too: this prints the current one
otp: install
	@$(BIN)/python -m services.gateway.demo --code "$(USER)"

# the first administrator of a real install: make admin USERNAME=zhangsan NAME=张三 (prints a one-time password)
admin: migrate
	$(BIN)/python -m services.gateway.staff.create_admin "$(USERNAME)" "$(NAME)"

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
