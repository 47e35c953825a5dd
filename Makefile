# Everything starts from a fresh clone with only Python 3.11+ and pip:
# pipenv is installed into .bootstrap/ (pinned), the locked environment into .venv/.
PYTHON ?= python3
BOOT := .bootstrap
PIPENV := $(BOOT)/bin/pipenv
PIPENV_VERSION := 2026.10.3
RUN := $(PIPENV) run
# The suite mostly waits (on simulated copy time and subprocess CLI runs): two pytest-xdist
# workers, each module on one worker so its sandbox fixture is built once.
TEST_WORKERS ?= 2
CODE := src tests $(wildcard bench)
SYNCED := .venv/.synced-$(shell $(PYTHON) -c "import hashlib;print(hashlib.sha256(open('Pipfile.lock','rb').read()).hexdigest()[:12])")

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1

.PHONY: demo test lint fmt types unit bench bench-quick torture sandbox env clean

demo: $(SYNCED)
	$(RUN) shuffle-aws-vaults demo

test: $(SYNCED)
	$(RUN) ruff check $(CODE)
	$(RUN) black --check --quiet $(CODE)
	$(RUN) mypy
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadscope --cov --cov-report=term -q

lint: $(SYNCED)
	$(RUN) ruff check $(CODE)
	$(RUN) black --check $(CODE)

fmt: $(SYNCED)
	$(RUN) ruff check --fix $(CODE)
	$(RUN) black $(CODE)

types: $(SYNCED)
	$(RUN) mypy

unit: $(SYNCED)
	$(RUN) pytest -q tests/unit

bench: $(SYNCED)
	$(RUN) python -m bench $(if $(QUICK),--quick,)

bench-quick: $(SYNCED)
	$(RUN) python -m bench --quick

# 20 SIGKILLs and 20 SIGTERMs at random moments of a 2,000-item copy, each resumed, then a
# 2,000-item copy under every fault the sandbox injects; RELIABILITY.md has the results.
torture: $(SYNCED)
	$(RUN) python -m tests.reliability.torture --signal both --kills 20 --fault-run

sandbox: $(SYNCED)
	$(RUN) shuffle-aws-vaults sandbox

env: $(SYNCED)

$(SYNCED): Pipfile.lock | $(PIPENV)
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'Python 3.11 or newer is needed (found ' + sys.version.split()[0] + '); run: make PYTHON=python3.11 ...')"
	rm -f .venv/.synced-*
	$(PIPENV) sync --dev
	touch $@

$(PIPENV):
	$(PYTHON) -m venv $(BOOT)
	$(BOOT)/bin/python -m pip install --quiet --disable-pip-version-check pipenv==$(PIPENV_VERSION)

clean:
	rm -rf .venv $(BOOT) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov build src/*.egg-info
