# ikeflow — common tasks. `make test` is what CI runs (see .ci/run).
GO ?= go
export CGO_ENABLED ?= 0

.PHONY: all build test check vet fuzz bench pgo corpus interop tshark-diff clean

all: build

build:
	$(GO) build -o bin/ikeflow ./cmd/ikeflow

test: check
	$(GO) test -count=1 ./...

# Static checks that make test runs first: vet, gofmt and a tidy go.mod.
check:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum not tidy: run go mod tidy"; exit 1; }

# Short fuzzing run of every fuzz target (not part of CI). FUZZMINTIME
# bounds the minimisation of each new interesting input (Go's default is
# 60s per input, which with multi-kilobyte inputs left no time to execute).
FUZZTIME ?= 20s
FUZZMINTIME ?= 5s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test $$pkg -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINTIME) || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Regenerate cmd/ikeflow/default.pgo, the profile go build optimizes with.
pgo:
	scripts/pgo.sh

clean:
	rm -rf bin

# Regenerate the real-peer capture corpus (root; installs strongSwan, tshark).
corpus:
	bash testdata/gen/corpus.sh

# Regenerate a few scenarios live and run ikeflow on them end to end (root).
interop:
	bash testdata/gen/interop.sh

# Compare ikeflow's decode with tshark's on every capture.
tshark-diff:
	$(GO) run ./internal/tsharkdiff
