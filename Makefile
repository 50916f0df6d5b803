# Everyday commands; each one sets up .venv itself through tasks.py.
.PHONY: demo test lint format bench build clean

demo:
	python3 tasks.py demo

test:
	python3 tasks.py test

lint:
	python3 tasks.py lint

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:
	python3 tasks.py bench

build:
	python3 tasks.py build

clean:
	rm -rf var .pytest_cache .ruff_cache test-artifacts dist build web/vendor
