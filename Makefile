# Both targets create .venv and install trialbot into it when needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench messages font clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  # without a token: the offline chat (trialbot chat)
	$(VENV)/bin/trialbot run --chat-if-no-token

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python -m bench

messages: $(STAMP)  # extract handlers/texts.py into the catalogues, merge, compile
	$(VENV)/bin/trialbot messages

font: $(STAMP)  # the charts' Chinese font, cut to the catalogue: make font SOURCE=NotoSansCJKsc-Regular.otf
	$(VENV)/bin/python -m handlers.fonts.subset $(SOURCE)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV)
