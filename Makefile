.PHONY: setup build test run bench clean

setup:
	bash scripts/setup.sh

build:
	npm run build

test:
	npm test

run: build
	npx coordinator run --quick

bench:
	npm run bench

clean:
	rm -rf dist
