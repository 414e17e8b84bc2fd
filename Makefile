# The two commands of the README: `make demo` and `make test`. Both set themselves up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.miga-installed
DEMO_DIR ?= demo

.PHONY: demo test install benchmark clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/miga demo --out $(DEMO_DIR)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	bash .ci/install-postgres.sh
	$(BIN)/python -m pytest tests

# CPU benchmarks (about 20 minutes on 2 quiet cores, most of it prepare_clips.py making 3 full-scale videos);
# the GPU ones take --device cuda (docs/benchmarks.md).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/xlsx_reader.py
	$(BIN)/python benchmarks/pose_heatmaps.py
	$(BIN)/python benchmarks/gaie_vit.py
	$(BIN)/python benchmarks/ensemble_search.py
	$(BIN)/python benchmarks/prepare_clips.py
	$(BIN)/python benchmarks/masked_pretraining.py --parts corpus flops loader
	$(BIN)/python benchmarks/oof_cost.py --folds 5

clean:
	rm -rf $(DEMO_DIR) .pytest_cache
