# Two entry points: `make demo` and `make test`. Both create .venv once (idempotent) from the pinned set.
#   make install                 pinned torch (requirements/lock.txt) installed with its own dependencies
#   make install TORCH=system    use the torch that $(PY) already imports (your CUDA build), pinned rest
PY ?= python3
VENV := .venv
# default: what .venv was installed with (so a plain `make test` after `make install TORCH=system` works)
TORCH ?= $(or $(patsubst $(VENV)/.installed-%,%,$(firstword $(wildcard $(VENV)/.installed-*))),pinned)
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(TORCH)
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
SETUP := requirements/venv_setup.py

.PHONY: install demo test lint compare clean

ifeq ($(filter $(TORCH),pinned system),)
$(error TORCH=$(TORCH): use TORCH=pinned (default) or TORCH=system)
endif

install: $(STAMP)

# torch comes with its own dependencies (on a stock Linux machine the CUDA wheel needs its nvidia-* packages),
# constrained to the lock's versions; everything else is installed with --no-deps from the lock, which keeps
# out torchvision and sdists that do not build. TORCH=system: .venv sees $(PY)'s site-packages behind its own
# (a .pth file; works when $(PY) is itself a venv, unlike --system-site-packages), and the lock's copies of
# torch's own dependencies are skipped so that torch keeps the versions it was installed with.
$(STAMP): requirements/lock.txt setup.cfg setup.py $(SETUP)
	@other=$$(ls $(VENV)/.installed-* 2>/dev/null | grep -v '$(STAMP)$$' || true); \
	if [ -n "$$other" ]; then echo "error: $(VENV) was installed with TORCH=$${other##*-}; run 'make clean' first" >&2; exit 2; fi
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
ifeq ($(TORCH),system)
	$(PY) $(SETUP) link-system $(BIN)/python
	$(BIN)/python $(SETUP) lock requirements/lock.txt --skip-torch-deps > $(VENV)/lock-rest.txt
else
	$(PIP) install -c requirements/lock.txt "$$(grep '^torch==' requirements/lock.txt)"
	$(BIN)/python $(SETUP) lock requirements/lock.txt --without-torch > $(VENV)/lock-rest.txt
endif
	$(PIP) install --no-deps -r $(VENV)/lock-rest.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: install
	$(BIN)/python demo/run_demo.py

test: install
	$(BIN)/python -m pytest -q tests

# cross-subject comparison of the skeleton methods on the bundled sample (not part of `make test`; < 1 h on 2 cores)
compare: install
	$(BIN)/python tools/analysis/compare_methods.py --jobs 2 --out work_dirs/compare/report --overwrite

lint: install
	$(BIN)/ruff check mg_posec3d tools demo tests configs requirements setup.py

clean:
	rm -rf $(VENV) work_dirs build dist
