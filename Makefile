# One command for the demo, one for the tests. Settings (ODOO_SRC, PORT, VENV, DEMO_DB, TEST_DB,
# BENCH_DB) come from the environment or the command line: make demo PORT=8070.
SHELL := /bin/bash
export ODOO_SRC ?= /opt/odoo
export PORT ?= 8069

.PHONY: help demo demo-reset test test-addon test-stock test-scale lint bench i18n setup load

help:
	@echo "make demo        install what is missing, build crm_demo, serve http://localhost:$(PORT) (admin/admin)"
	@echo "make test        lint, install check, then every test through pytest-odoo on a fresh database"
	@echo "make test-addon ADDON=crm_gdpr   one addon's tests on a database with only that addon"
	@echo "make test-stock  stock Odoo's tests of the modules we extend, with the whole suite installed"
	@echo "make test-scale  cron jobs on two servers at once, read-only pages from a streaming replica"
	@echo "make bench       benchmarks (tests/benchmarks), one table of queries, times and ratios"
	@echo "make load        two prefork Odoo servers behind nginx, Locust's journeys, integrity asserted (LOAD_USERS=50)"
	@echo "make i18n        re-export each addon's .pot and merge it into ar.po and he.po"
	@echo "make demo-reset  drop crm_demo so the next make demo rebuilds it"

setup:
	@scripts/setup.sh

demo:
	@scripts/demo.sh

demo-reset:
	@scripts/check_odoo_src.sh && scripts/pg.sh && dropdb --if-exists $${DEMO_DB:-crm_demo}

test:
	@scripts/test.sh

test-addon:
	@scripts/test_addon.sh $(ADDON)

test-stock:
	@scripts/test_stock.sh

test-scale:
	@scripts/test_scale.sh

# The linters' virtualenv only: no Debian package, no PostgreSQL.
lint:
	@scripts/setup_lint.sh && scripts/lint.sh

load:
	@scripts/load.sh

bench:
	@scripts/bench.sh

i18n:
	@scripts/i18n.sh
