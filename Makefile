# Two commands: `make run` serves the app, `make test` passes the tests.
# Both set up .venv first; nothing else needs to be prepared.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A CPU-only torch first, so sentence-transformers does not pull a CUDA build.
# Elsewhere: make run TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run test check lint format bench bench-scale eval index vendor clean fuzz soak

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" $(TORCH_PIP_ARGS)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: setup
	$(BIN)/pair-assistant index build --if-stale

run: index
	$(BIN)/pair-assistant db upgrade
	$(BIN)/pair-assistant serve --host $(HOST) --port $(PORT)

check: setup
	$(BIN)/ruff check assistant tests
	$(BIN)/ruff format --check assistant tests
	$(BIN)/mypy assistant

format: setup
	$(BIN)/ruff format assistant tests
	$(BIN)/ruff check --fix assistant tests

test: check index
	$(BIN)/python -m pytest

eval: index
	$(BIN)/pair-assistant eval

# Refresh the committed NHS.UK frontend assets (needs npm; a normal build does not).
vendor: setup
	$(BIN)/python -m assistant.tools.vendor

bench: index
	$(BIN)/python -m assistant.tools.bench

# Synthetic corpora of 10k, 50k and 200k passages (seeded vectors for the variants; add
# --embed model for the model on everything: hours); not in `make test`.
SCALE_SIZES ?= 10000 50000 200000
bench-scale: index
	$(BIN)/python -m assistant.tools.bench_scale --sizes $(SCALE_SIZES)

# More examples than `make test` runs, freshly random each time (FUZZ_EXAMPLES=20000).
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/security/test_properties.py -p no:cacheprovider

# Load with slow clients against a real server (not part of make test).
soak: index
	$(BIN)/python -m assistant.tools.soak

clean:
	rm -rf $(VENV) index/*.index index/*.json index/*.jsonl index/*.npy index/lexical index/.build-*
