# Two set-up commands (README): `make demo` and `make test`. Each bootstraps .venv from uv.lock.
PY ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Byte-compiled caches make every test process start several times faster.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint bench env fmt lock clean

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# requirements.lock pins every package with its hashes; the project itself installs editable.
$(VENV)/.synced: requirements.lock pyproject.toml | $(UV)
	test -x $(VENV)/bin/python || $(UV) venv --python $(PY) $(VENV)
	$(UV) pip sync --python $(VENV)/bin/python --require-hashes requirements.lock
	$(UV) pip install --python $(VENV)/bin/python --no-deps -e .
	touch $@

env: $(VENV)/.synced

demo: env
	$(VENV)/bin/parley demo

test: env
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: env
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

bench: env
	$(VENV)/bin/python -m benchmarks

lock: | $(UV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		pyproject.toml --group dev -o requirements.lock

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
