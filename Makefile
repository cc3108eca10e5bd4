# Two entry points: `make demo` and `make test`. Both create .venv once (idempotent) from the pinned set.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint compare clean

install: $(STAMP)

# --no-deps keeps out torchvision, CUDA wheels and sdists that do not build; every dependency is pinned
# in requirements/lock.txt instead. The stamp is rebuilt when the lock or setup.cfg changes.
$(STAMP): requirements/lock.txt setup.cfg
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -r requirements/lock.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(BIN)/python tools/run_demo.py

test: install
	$(BIN)/python -m pytest -q tests

# cross-subject comparison of the skeleton methods on the bundled sample (not part of `make test`; ~1 h on 2 cores)
compare: install
	$(BIN)/python tools/compare_methods.py --epochs 6 --jobs 2 --out work_dirs/compare/report --overwrite

lint: install
	$(BIN)/ruff check mg_posec3d tools tests configs

clean:
	rm -rf $(VENV) work_dirs
