# Beacon. `make` alone lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
BIN := bin/beacon
# Go files to format-check: everything in the tree except local data and npm packages.
GOFILES_CMD := find . -name '*.go' -not -path './.git/*' -not -path './.data/*' -not -path './static/node_modules/*' -not -path './bin/*' -print0

banner = @printf '\n\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: help run test assets build lint clean db-stop fmt-check vet staticcheck go-test chromium bench

help: ## list the targets
	@echo "Beacon: make targets"
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: ## database, migrations, demo data, then serve on http://127.0.0.1:8080
	scripts/run.sh

test: ## every test: chromium, gofmt, vet, staticcheck, go test -race (real PostgreSQL, browser)
	$(call banner,1/5 chromium for the browser tests)
	@scripts/ensure-chromium.sh
	$(call banner,2/5 gofmt)
	@$(MAKE) --no-print-directory fmt-check
	$(call banner,3/5 go vet)
	$(GO) vet ./...
	$(call banner,4/5 staticcheck)
	$(GO) tool staticcheck ./...
	$(call banner,5/5 go test -race (PostgreSQL from scripts/db.sh))
	@url="$$(scripts/db.sh ensure postgres)"; \
	echo "go test -race -count=1 -timeout 40m ./...   (TEST_DATABASE_URL from scripts/db.sh ensure postgres)"; \
	TEST_DATABASE_URL="$$url" $(GO) test -race -count=1 -timeout 40m ./...
	$(call banner,all tests passed)

assets: ## rebuild front-end assets (needs node/npm)
	static/build.sh

bench: ## load tests on loopback (figures printed)
	scripts/bench.sh

build: ## build bin/beacon
	$(GO) build -o $(BIN) .

lint: ## gofmt, go vet and staticcheck only
	$(call banner,gofmt)
	@$(MAKE) --no-print-directory fmt-check
	$(call banner,go vet)
	$(GO) vet ./...
	$(call banner,staticcheck)
	$(GO) tool staticcheck ./...

fmt-check:
	@out="$$($(GOFILES_CMD) | xargs -0 -r gofmt -l)"; \
	if [ -n "$$out" ]; then echo "These files are not gofmt-formatted (run gofmt -w on them):"; echo "$$out"; exit 1; fi; \
	echo "gofmt: ok"

clean: ## remove bin/
	rm -rf bin

db-stop: ## stop the project-local PostgreSQL cluster (.data/postgres), if running
	scripts/db.sh stop
