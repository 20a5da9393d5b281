.PHONY: help run test lint format migrate seed messages bench fuzz
help:  ## list the commands
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
run:  ## set up and serve the demo site on http://127.0.0.1:8000 (SQLite)
	bin/run
test:  ## set up and run ruff and the whole suite on PostgreSQL+Redis, then SQLite
	bin/test
lint:  ## ruff check and format check
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
format:  ## ruff fix and format
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
migrate:  ## apply migrations
	.venv/bin/python manage.py migrate
seed:  ## load the demo world (idempotent)
	.venv/bin/python manage.py seed_demo
messages:  ## extract and compile translations (needs gettext)
	.venv/bin/python manage.py makemessages -l ru -l vi --ignore=.venv --ignore=staticfiles && .venv/bin/python manage.py compilemessages --ignore=.venv
bench:  ## run the benchmarks in bench/
	for f in bench/*.py; do .venv/bin/python $$f; done
fuzz:  ## fuzz the importers long: Hypothesis "deep" profile, FUZZ_EXAMPLES per property (3000), on SQLite
	HYPOTHESIS_PROFILE=deep env -u DATABASE_URL -u REDIS_URL .venv/bin/python -m pytest -p no:xdist -m fuzz -q \
		tests/pricing/test_fuzz_importers.py
