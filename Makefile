# hoviz: two commands. `make app` runs the app on the shipped checkpoints; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: app test venv dev browser zoo bench audit lint

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt

dev: venv
	$(BIN)/pip install -q -r requirements-dev.txt

app: venv
	$(BIN)/streamlit run app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

browser:  # Debian's chromium for the browser tests: apt-installed when missing and root, else one line saying what to do
	bash scripts/ensure_chromium.sh

test: dev browser
	$(BIN)/python -m pytest -q tests

lint: dev
	$(BIN)/ruff check .

audit: venv
	$(BIN)/python -m hoviz audit --all

bench: venv
	$(BIN)/python -m hoviz bench

zoo: venv
	bash scripts/train_zoo.sh
