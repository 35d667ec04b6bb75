# dii — build, test, lint and benchmark. `make help` lists the targets.
GO        ?= go
BIN       ?= bin/dii
PKGS      := ./...

.PHONY: help build test test-race e2e-long lint bench bench-go bench-testnet bench-dns bench-handle bench-newip fuzz clean

help:
	@echo "make build      build $(BIN)"
	@echo "make test       run every test (what CI runs)"
	@echo "make test-race  run the tests with the race detector"
	@echo "make e2e-long   run the end-to-end fault tests with the long profile (test/e2e/networks/long.json)"
	@echo "make lint       gofmt, go vet, and golangci-lint when installed"
	@echo "make bench      run the benchmarks in bench/ and the Go benchmarks"
	@echo "make bench-testnet  1, 4 and 7 validators under dii load (bench/testnet)"
	@echo "make bench-dns  dii against NSD and Knot DNS under dnsperf (bench/dns)"
	@echo "make bench-handle  1,000,000 handles over HTTP (wrk) and the Handle protocol (bench/handle)"
	@echo "make bench-newip  packets per second through one New IP router; LBF under load (bench/newip)"
	@echo "make fuzz       run each fuzz target for FUZZTIME (default 30s)"

build:
	$(GO) build -o $(BIN) ./cmd/dii

test:
	$(GO) test -count=1 -timeout 20m $(PKGS)

test-race:
	$(GO) test -count=1 -race -timeout 30m $(PKGS)

e2e-long:
	DII_E2E_MANIFEST=networks/long.json $(GO) test -count=1 -timeout 30m -v -run TestFaults ./test/e2e/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@gl=$$(command -v golangci-lint || echo "$$($(GO) env GOPATH)/bin/golangci-lint"); \
	if [ -x "$$gl" ]; then "$$gl" run ./...; else echo "golangci-lint not installed; skipped (go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@latest)"; fi

bench: bench-go
	$(GO) run ./bench/ledger

bench-testnet:
	$(GO) run ./bench/testnet

bench-dns:
	$(GO) run ./bench/dns

bench-handle:
	$(GO) run ./bench/handle

bench-newip:
	$(GO) run ./bench/newip

bench-go:
	$(GO) test -run=NONE -bench=. -benchmem ./internal/smt/ ./pkg/newip/ ./internal/router/ ./internal/handleserver/

FUZZTIME ?= 30s
fuzz:
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' $(PKGS) | while read pkg dir; do \
		for f in $$(grep -ho 'func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | cut -d' ' -f2); do \
			echo "== $$pkg $$f"; $(GO) test -run=NONE -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin
