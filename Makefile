# Guichet: two commands set up a fresh Debian 12 machine.
#   make run   install, compile the catalogs, migrate the database, serve on 127.0.0.1:8080
#   make test  the same plus test dependencies (Debian's chromium), then ruff, mypy, pytest

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTANCE ?= instance
GUICHET_PORT ?= 8080
export GUICHET_PORT

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages. To run: Python's venv, fonts for every script the screens and
# the dossier PDFs are written in (fonts-noto-core: Latin, Cyrillic, Arabic,
# Bengali; fonts-noto-cjk: Chinese), the CUPS client that prints them, and
# espeak-ng, which reads the screens aloud offline (kiosk/speech.py).
RUN_DEBS := python3-venv fonts-noto-core fonts-noto-cjk fonts-dejavu-core cups-client espeak-ng
# To test and benchmark: the browser the kiosk runs, a CUPS server and its
# filters for a private test queue, Poppler to render and extract the PDFs,
# and tesseract to read the output pages back (readability).
# For the deployment tests (issue 6): shellcheck, debootstrap and
# systemd-nspawn to provision a fresh Debian 12 in a container,
# dpkg-scanpackages (dpkg-dev) to index its offline packages.
TEST_DEBS := $(RUN_DEBS) chromium cups-daemon cups-filters cups-bsd poppler-utils \
             tesseract-ocr tesseract-ocr-fra \
             shellcheck debootstrap systemd-container dpkg-dev

# The deployment's debootstrap root and Debian packages, kept between runs
# (outside the repository: about 600 MB, `du -sh $(GUICHET_TEST_CACHE)`).
GUICHET_TEST_CACHE ?= /var/cache/guichet-test
export GUICHET_TEST_CACHE

BABEL_KEYWORDS := -k N_ -k NP_:1,2 -k _l
POT := translations/messages.pot
PO_FILES := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test bench install install-test system-deps run-deps test-deps catalogs extract update-catalogs \
        lint typecheck pytest db demo-frames clean bundle bundle-offline constraints

# (`guichet serve` migrates the database itself: no `db` step first.)
run: run-deps install catalogs
	$(BIN)/guichet serve --instance $(INSTANCE) --port $(GUICHET_PORT)

test: test-deps install-test catalogs lint typecheck bundle pytest

# The offline bundle a kiosk installs from (deploy/README.md): dist/guichet-VERSION-bundle.tar.gz
bundle: install catalogs
	deploy/bundle.sh

# The same with the Debian packages a fresh Debian 12 needs, for a site with no network.
bundle-offline: install catalogs
	$(SUDO) deploy/fetch-debs.sh $(GUICHET_TEST_CACHE)
	deploy/bundle.sh --debs $(GUICHET_TEST_CACHE)/debs

# Benchmarks, side by side with the reference approaches; results in bench/RESULTS.md.
bench: test-deps install-test catalogs
	$(BIN)/python -m bench

# The demo camera's frames (scanning/demo/), regenerated from the corpus generator.
demo-frames: install-test
	$(BIN)/python -m bench.demo_frames

# --- installation ------------------------------------------------------------

# Every package is held to the versions tested (deploy/constraints.txt): the
# benchmark's figures and the scenes the tests draw depend on OpenCV's version.
CONSTRAINTS := deploy/constraints.txt

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

# Move to the newest versions pyproject.toml allows, and hold them: then run
# make test and make bench, and commit the file with bench/RESULTS.md.
constraints: install-test
	$(BIN)/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	{ grep '^#' $(CONSTRAINTS); $(BIN)/pip freeze --exclude-editable; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	touch $(VENV)/.installed $(VENV)/.installed-test

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run-deps:
	@$(MAKE) --no-print-directory system-deps DEBS="$(RUN_DEBS)"

test-deps:
	@$(MAKE) --no-print-directory system-deps DEBS="$(TEST_DEBS)"

system-deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# --- translations (French is the source language) ------------------------------

extract: install
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-by-file \
	  --project=Guichet --copyright-holder="Guichet contributors" \
	  --msgid-bugs-address=guichet@localhost -o $(POT) .

update-catalogs: extract
	$(BIN)/pybabel update -i $(POT) -d translations --no-fuzzy-matching --ignore-obsolete

catalogs: install $(MO_FILES)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -i $< -o $@ -l $*

# --- database ----------------------------------------------------------------

db: install
	$(BIN)/guichet db upgrade --instance $(INSTANCE)

# --- checks ------------------------------------------------------------------

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-test
	$(BIN)/mypy

pytest: install-test catalogs
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find translations -name '*.mo' -delete
