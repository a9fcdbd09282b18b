# Two commands for a fresh machine: `make demo` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup demo test test-fast test-broker bench broker-start broker-stop lint clean

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(STAMP)  ## install the package and test tools into .venv, fetch the Kafka jars
	@deploy/local-kafka.sh fetch

demo: setup  ## start a local broker and a worker, publish samples, show what came out
	$(BIN)/python demo/run.py

test: setup  ## the whole suite; broker tests start their own Kafka on 127.0.0.1
	$(BIN)/python -m pytest

test-fast: setup  ## only the tests that need no broker
	$(BIN)/python -m pytest -m "not broker"

test-broker: setup  ## only the tests on the real broker
	$(BIN)/python -m pytest -m broker

bench: setup  ## benchmarks with ratios against same-run baselines (results in bench/results)
	$(BIN)/python bench/codec.py
	@for b in bench/metricfilters.py bench/eventpatterns.py bench/alarms.py; do \
	  [ -f $$b ] && $(BIN)/python $$b || true; done

broker-start: setup  ## start the local Kafka broker on 127.0.0.1:19092
	deploy/local-kafka.sh start

broker-stop:  ## stop it
	deploy/local-kafka.sh stop

clean:  ## remove the virtualenv and caches (Kafka jars included)
	rm -rf $(VENV) .cache .pytest_cache
