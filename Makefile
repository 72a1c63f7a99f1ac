# caiomatch: `make run` starts the whole platform, `make test` runs every check CI runs.
SHELL := /bin/bash
GO ?= go
MODULES := pkg services/profile services/mission services/matching services/notification gateway deploy/faults deploy/local deploy/images
TOOLS := buf protoc-gen-go protoc-gen-go-grpc protoc-gen-grpc-gateway protoc-gen-openapiv2 oapi-codegen
TOOL_PKGS := github.com/bufbuild/buf/cmd/buf google.golang.org/protobuf/cmd/protoc-gen-go \
	google.golang.org/grpc/cmd/protoc-gen-go-grpc \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2 \
	github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen

.PHONY: images promtool-check lint lint-tools vulncheck fuzz fuzz-short vendor-web test-assets run seed cluster-up cluster-status cluster-down cluster-tool test test-go faults bench bench-matching bench-assignment proto proto-check tools build vet fmt-check clean

# Binaries carry the revision they were built from (their -version and every span's
# service.version); go.work builds stamp it only when asked, and only inside a git checkout.
BUILDVCS := $(shell git rev-parse --is-inside-work-tree >/dev/null 2>&1 && echo true || echo false)

## run: build and start everything (embedded NATS + SQLite under ./data, three services, gateway)
run:
	$(GO) build -buildvcs=$(BUILDVCS) -o bin/caiomatch ./gateway/cmd/caiomatch
	./bin/caiomatch

IMAGES_ARCH ?= amd64
## images: one OCI image per binary into dist/images (no registry needed): oci/<name> layouts, <name>.tar for `docker load`, images.json, a kustomize Component; PUSH=registry/prefix also pushes them (deploy/README.md)
images:
	$(GO) run ./deploy/images/cmd/buildimages -repo . -out dist/images -arch $(IMAGES_ARCH) -buildvcs=$(BUILDVCS) $(if $(PUSH),-push $(PUSH))

N ?= 1000
MISSIONS ?= 20
## seed: load N consultants and MISSIONS missions (default 1000 and 20) into a `make run` platform in another terminal
seed:
	$(GO) run ./gateway/cmd/seed -consultants $(N) -missions $(MISSIONS)

CLUSTER_STATE ?= data/cluster
## cluster-up: a local cluster on loopback (deploy/README.md): three nats-server nodes, PostgreSQL, two replicas of each service, two gateways; PORT_OFFSET=n shifts every port (first start only)
cluster-up: cluster-tool
	./bin/cluster up -state $(CLUSTER_STATE) $(if $(PORT_OFFSET),-port-offset $(PORT_OFFSET))

## cluster-status: every process of the local cluster, its pid, whether it runs, its address and log
cluster-status: cluster-tool
	@./bin/cluster status -state $(CLUSTER_STATE)

## cluster-down: stop the local cluster (gateways, services, NATS, a private PostgreSQL); WIPE=1 also deletes its data and drops its databases
cluster-down: cluster-tool
	./bin/cluster down -state $(CLUSTER_STATE) $(if $(filter 1 true yes,$(WIPE)),-wipe)

cluster-tool:
	@$(GO) build -o bin/cluster ./deploy/local/cmd/cluster

## test: protos current, lint-clean and not breaking (docs/CI.md), formatting, vet, golangci-lint, known vulnerabilities, alert rules and dashboards, then every module's tests with -race
test: proto-check fmt-check vet lint vulncheck promtool-check test-go fuzz-short

## promtool-check: the alert rules (promtool check rules, their unit tests) and the Grafana dashboards (JSON, every query valid PromQL, every metric in docs/METRICS.md), with promtool 2.42 put in bin/ by tools/promtool.sh; without it they are skipped, except under CI=true
promtool-check:
	@tools/promtool.sh || { [ "$${CI:-}" != true ] && echo "promtool-check: promtool could not be installed: its checks are skipped (under CI=true they fail)"; }
	@out=$$(gofmt -l deploy/prometheus); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	cd deploy/prometheus && $(GO) vet ./... && PROMTOOL=$(CURDIR)/bin/promtool $(GO) test -count=1 ./...

test-go:
	@set -e; for m in $(MODULES); do echo "== go test $$m"; (cd $$m && $(GO) test -race -count=1 ./...); done

## bench: every Go benchmark, each printing its figures (see docs/BENCHMARKS.md)
bench:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...); done | grep -v '^\(ok\|?\|PASS\)'

## bench-matching: the matching engine's figures: top-50 over 100k and 1M profiles beside the bare kernel, index memory, rebuild from the stream
bench-matching:
	cd services/matching && $(GO) test -run '^$$' -bench 'BenchmarkRank|BenchmarkIndexMemory' -benchtime 30x -timeout 30m ./index/
	cd services/matching && $(GO) test -run '^$$' -bench RebuildIndexFromStream -benchtime 2x -timeout 30m ./eventapi/

## bench-assignment: the staffing-plan solver beside scipy's linear_sum_assignment on dense n = 1000, 2000, 4000 (installs python3-scipy as root when missing), then the sparse 2,000 × 100,000 solve and the re-solve after a decline
bench-assignment:
	bash services/matching/assignment/compare/compare.sh
	cd services/matching && $(GO) test -run '^$$' -bench 'SolveStaffing|RemoveChosenEdge' -benchtime 5x ./assignment/

FUZZTIME ?= 60s
## fuzz: every fuzz target (decoders of outside input) for FUZZTIME each (default 60s); new inputs that fail land in the target's testdata/fuzz
fuzz:
	tools/fuzz.sh $(FUZZTIME)

## fuzz-short: every fuzz target briefly (part of `make test`; the committed corpora also run as plain tests)
fuzz-short:
	tools/fuzz.sh 2s

## faults: the full fault tests (kills, pauses, crashes), each printing its figures; the short version runs in `make test`
faults:
	cd deploy/faults && CAIOMATCH_FAULTS=full $(GO) test -count=1 -v -timeout 60m ./... 2>&1 | grep -E '^(=== RUN|--- |FIGURES|ok|FAIL|PASS)|figure'
	cd services/notification && CAIOMATCH_NOTIFICATION_FAULTS=1 $(GO) test -count=1 -v -run KillDuringDelivery -timeout 20m ./service/ 2>&1 | grep -E '^(=== RUN|--- |ok|FAIL|PASS)|killed|repeats'

vet:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done

fmt-check:
	@out=$$(gofmt -l $(MODULES) | grep -v '\.pb\.\(gw\.\)\?go$$' || true); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

build:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) build ./...); done

## vendor-web: (re)vendor the pages' script library (htmx and its SSE extension, pinned in tools/npm.lock) into gateway/pages/static/vendor; the files are committed and embedded in the binary
vendor-web:
	tools/npm-fetch.sh tools/npm.lock htmx.org gateway/pages/static/vendor/htmx.min.js
	tools/npm-fetch.sh tools/npm.lock htmx-ext-sse gateway/pages/static/vendor/sse.js

AXE := .cache/npm/axe-core/axe.min.js
## test-assets: what the browser tests inject (axe-core, pinned in tools/npm.lock), fetched once into .cache
test-assets: $(AXE)
$(AXE): tools/npm.lock
	tools/npm-fetch.sh tools/npm.lock axe-core $(AXE)

## tools: the pinned code generators, built from tools/go.mod into ./bin
tools:
	@cd tools && GOWORK=off $(GO) build -o ../bin/ $(TOOL_PKGS)

## proto: regenerate pkg/gen, the OpenAPI 3.1 description and its Go client from proto/
proto: tools
	rm -rf pkg/gen/caiomatch pkg/gen/openapi gateway/openapi/*.json bin/openapiv2
	bin/buf generate
	$(GO) run ./gateway/openapi/cmd/openapigen -in bin/openapiv2/caiomatch.swagger.json -out gateway/openapi/caiomatch.openapi.json
	mkdir -p pkg/gen/openapi/caiomatchclient
	bin/oapi-codegen -config gateway/openapi/oapi-codegen.yaml gateway/openapi/caiomatch.openapi.json

## proto-check: buf lint, buf breaking against the last release tag, the fork from main or the previous commit (tools/buf-breaking.sh, and its test), and generated code up to date
proto-check: proto
	bin/buf lint
	tools/buf-breaking.sh
	tools/buf-breaking_test.sh
	@if [ -n "$$(git status --porcelain -- pkg/gen gateway/openapi)" ]; then \
		echo "generated code is stale: run 'make proto' and commit"; git status --porcelain -- pkg/gen gateway/openapi; exit 1; fi

LINT_TOOLS := bin/golangci-lint bin/govulncheck
## lint-tools: golangci-lint and govulncheck, pinned in tools/lint/go.mod, built into ./bin
lint-tools: $(LINT_TOOLS)
$(LINT_TOOLS) &: tools/lint/go.mod tools/lint/go.sum
	cd tools/lint && GOWORK=off $(GO) build -o ../../bin/ github.com/golangci/golangci-lint/v2/cmd/golangci-lint golang.org/x/vuln/cmd/govulncheck

## lint: golangci-lint with .golangci.yml over every module, in one pass
lint: bin/golangci-lint
	bin/golangci-lint run $(MODULES:%=./%/...)

## vulncheck: govulncheck over every module when vuln.go.dev answers (else it says it skipped), after its own test
vulncheck: bin/govulncheck
	tools/vulncheck_test.sh
	tools/vulncheck.sh $(MODULES)

clean:
	rm -rf bin dist
