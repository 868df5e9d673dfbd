# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each (re)creates .venv from pyproject.toml when it is missing or older than pyproject.toml.
# `make lint VENV=/path/to/venv` (any target) uses that environment as it is: nothing is installed.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ENV := $(if $(filter .venv,$(VENV)),$(STAMP))

.PHONY: demo test test-spark lint lint-style lint-types lint-layers bench fuzz clean browser java

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(ENV)
	$(BIN)/python -m examples.demo

lint: lint-style lint-types lint-layers

lint-style: $(ENV)
	$(BIN)/ruff check lakekit schemas tests examples bench

lint-types: $(ENV)
	$(BIN)/mypy

lint-layers: $(ENV)
	$(BIN)/lint-imports --no-cache

# The site test (tests/site) opens the built site in Debian's chromium, driven by Playwright: a
# browser download needs the internet, the distribution's package does not. Installed once, as root.
CHROMIUM ?= chromium
browser:
	command -v $(CHROMIUM) >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)

# The suite mostly waits on subprocesses, fsync and files: pytest-xdist runs it in TEST_WORKERS processes
# (`auto`: one per core; 0 runs it in this one), each test file whole in one worker, so a module's fixture
# is built once. The fuzz share's summary line is summed over the workers (tests/fuzz/tally.py).
TEST_WORKERS ?= auto
test: $(ENV) lint browser
	$(BIN)/python -m pytest lakekit tests --ignore=tests/spark -n $(TEST_WORKERS) --dist loadfile

# The Spark engine's tests (tests/spark): the `spark` extra in the environment, and a Java runtime
# from Debian when the machine has none. Installed once, as root; `make test` does not run them.
JAVA ?= java
java:
	command -v $(JAVA) >/dev/null || (apt-get update && apt-get install -y openjdk-17-jre-headless)

test-spark: $(ENV) java
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	$(BIN)/python -m pytest tests/spark -m spark -p no:cacheprovider

# The hostile-input suite with a larger budget (10 fuzz tests x FUZZ_EXAMPLES cases, plus the seed
# corpus): every case is recorded in fuzz.jsonl instead of stopping at the first failure, a fifth of
# the successful loads get every follow-up (all are shown and their content checked), and the last
# line sums up inputs tried and cases with tracebacks, crashes, hangs, partial commits...
FUZZ_EXAMPLES ?= 1000
fuzz: $(ENV)
	LAKEKIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) LAKEKIT_FUZZ_RECORD=fuzz.jsonl LAKEKIT_FUZZ_SHRINK=0 \
		LAKEKIT_FUZZ_FOLLOW_SHARE=0.2 \
		$(BIN)/python -m pytest tests/fuzz -p no:cacheprovider -rN

bench: $(ENV)
	$(BIN)/python -m bench.all

clean:
	rm -rf $(VENV) demo-lake demo-data fuzz.jsonl
