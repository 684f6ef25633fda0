# wgtrain — build and test entry points. `make test` is what CI runs.
#
# deps checks for what the tests need and installs what it can: Go 1.26
# must be on PATH (Debian's golang-go is too old; see https://go.dev/dl/),
# Go modules come through the module proxy, and the Debian packages in
# APT_PACKAGES are installed with apt-get when missing: gcc for cgo
# (go-webgpu links the wgpu-native library), and Mesa's software Vulkan
# driver (lavapipe) with the Vulkan loader, so that the WebGPU backend's
# tests have an adapter on a machine without a GPU, chromium, in which
# a test opens report.html headless, and OpenMPI (openmpi-bin for mpirun,
# libopenmpi-dev and pkg-config for the cgo layer of trainer/dist in the
# build with the tag mpi).

SHELL := /bin/bash
GO ?= go
PYTHON ?= /usr/bin/python3
APT_PACKAGES := gcc libc6-dev mesa-vulkan-drivers libvulkan1 dataset-fashion-mnist chromium \
	openmpi-bin libopenmpi-dev pkg-config

.PHONY: all deps build wgtrain wgtrain-mpi train vet test test-mpi conformance fixtures fuzz device-bins

all: test

deps:
	@missing=$$(for p in $(APT_PACKAGES); do [ "$$(dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null)" = installed ] || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
	@command -v $(GO) >/dev/null 2>&1 || { echo "wgtrain needs Go 1.26 or newer on PATH: install it from https://go.dev/dl/" >&2; exit 1; }
	@$(GO) run ./internal/tools/goversion 1.26 || { echo "wgtrain needs Go 1.26 or newer; $$($(GO) version)" >&2; exit 1; }
	@$(GO) mod download

build: deps
	$(GO) build ./...

# The command, as one binary: bin/wgtrain. -buildvcs=auto overrides a
# GOFLAGS=-buildvcs=false in the environment, so that `wgtrain --version`
# names the commit it was built from whenever git is there to ask.
wgtrain: deps
	$(GO) build -buildvcs=auto -o bin/wgtrain ./cmd/wgtrain

# The same command built with MPI (build tag mpi: trainer/dist's cgo layer
# over OpenMPI's libmpi): bin/wgtrain-mpi, which `mpirun -np N
# bin/wgtrain-mpi train ...` runs data-parallel on N ranks (README.md).
wgtrain-mpi: deps
	$(GO) build -buildvcs=auto -tags mpi -o bin/wgtrain-mpi ./cmd/wgtrain

# The main job: `wgtrain train` with no flags, the tutorial's exp01
# (resnet9, cross-entropy, 10 epochs) on Fashion-MNIST, on the GPU through
# WebGPU when there is one, else on the CPU; the run goes to logs/exp01.
# Training is the train command: bare `wgtrain` lists the commands.
# ARGS passes flags, e.g. make train ARGS="--recipe exp03 --epochs 2".
train: wgtrain
	@echo "training with: wgtrain train $(ARGS)  ('wgtrain help' lists the other commands)"
	./bin/wgtrain train $(ARGS)

vet: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags mpi ./...

# All tests: vet, gofmt, and every package's tests, then the WebGPU
# conformance suite and the WebGPU-vs-CPU training tests again on a device
# with the WebGPU spec's default limits (WGTRAIN_GPU_LIMITS=default; the
# first run has the adapter's own). A test that finds no
# WebGPU adapter (or no Fashion-MNIST) skips, unless CI is set, and notes
# it in the file $WGTRAIN_SKIP_NOTES names (internal/citest): the last
# line then says what was skipped, where and why. The exit status is go
# test's (the first failing run's).
test: vet test-mpi
	@notes=$$(mktemp); trap 'rm -f "$$notes"' EXIT; \
	echo "$(GO) test -count=1 ./..."; \
	WGTRAIN_SKIP_NOTES=$$notes $(GO) test -count=1 ./...; status=$$?; \
	echo "WGTRAIN_GPU_LIMITS=default $(GO) test -count=1 -run WebGPU ./conformance/ ./trainer/"; \
	WGTRAIN_GPU_LIMITS=default WGTRAIN_SKIP_NOTES=$$notes $(GO) test -count=1 -run WebGPU ./conformance/ ./trainer/ || \
		{ s=$$?; [ $$status -ne 0 ] || status=$$s; }; \
	sort -u "$$notes" | awk -F'\t' '{ pkgs[$$1] = pkgs[$$1] " " $$2; why[$$1] = $$3 } \
		END { for (w in pkgs) printf "make test: the %s tests were skipped in%s (CI=true makes this a failure): %s\n", w, pkgs[w], why[w] }'; \
	exit $$status

# The MPI tests (build tag mpi): the test binary of trainer/dist starts
# itself under `mpirun --allow-run-as-root --oversubscribe -np 2`, then
# -np 3, then -np 2 again (all-reduce against a float64 reference, the
# same bits on every rank and in both runs, broadcast, all-gather), and
# checks that a rank's abort or exit ends every rank; trainer's checks a
# data-parallel step against the mean of two half-batches' gradients on
# 2 ranks, and wgtrain's runs train on 2 ranks (report equal to one
# process's, identical reruns, resume, a failing rank, SIGTERM, and
# PyTorch's DistributedDataParallel on 2 gloo processes: gen_ddp.py).
test-mpi: vet
	@notes=$$(mktemp); trap 'rm -f "$$notes"' EXIT; status=0; \
	for t in "./trainer/dist/ ." "./trainer/ DataParallel|^TestRank" "./cmd/wgtrain/ ^TestDist"; do \
		set -- $$t; echo "$(GO) test -tags mpi -count=1 -run '$$2' $$1"; \
		WGTRAIN_SKIP_NOTES=$$notes $(GO) test -tags mpi -count=1 -run "$$2" $$1 || status=1; \
	done; \
	sort -u "$$notes" | awk -F'\t' '{ printf "make test-mpi: the %s tests were skipped in %s (CI=true makes this a failure): %s\n", $$1, $$2, $$3 }'; \
	exit $$status

# The conformance suite on the CPU reference backend and on the WebGPU
# backend: every operation forward and backward, and the resnet9 training
# steps checked against PyTorch.
conformance: deps
	set -o pipefail; $(GO) test -count=1 -v -run 'CPU|WebGPU' ./conformance/ 2>&1 | grep -E '^(--- |ok|FAIL|PASS|\s+webgpu_test)'

# Regenerate the PyTorch, torchvision and scikit-learn fixtures (needs Debian's python3-torch, python3-torchvision and python3-sklearn).
fixtures:
	@$(PYTHON) -c 'import torch' 2>/dev/null || { echo "installing python3-torch"; apt-get install -y python3-torch; }
	$(PYTHON) scripts/gen_golden.py
	$(PYTHON) scripts/gen_schedules.py
	$(PYTHON) scripts/gen_optim.py
	$(PYTHON) scripts/gen_ema.py
	$(PYTHON) scripts/gen_shards.py
	$(PYTHON) scripts/gen_ddp.py
	@$(PYTHON) -c 'import sklearn' 2>/dev/null || { echo "installing python3-sklearn"; apt-get install -y python3-sklearn; }
	$(PYTHON) scripts/gen_sklearn.py
	$(PYTHON) scripts/gen_sklearn_curves.py
	@$(PYTHON) -c 'import torchvision' 2>/dev/null || { echo "installing python3-torchvision"; apt-get install -y python3-torchvision; }
	$(PYTHON) scripts/gen_resizedcrop.py

# Run each parser's fuzz target for FUZZTIME (default 1m each).
FUZZTIME ?= 1m
FUZZ_TARGETS := internal/safetensors:FuzzParse internal/safetensors:FuzzParseHeader trainer:FuzzCheckpoint \
	datasets:FuzzIDX datasets:FuzzCIFARBinary datasets:FuzzCIFARPickle \
	evalkit:FuzzParsePredictions evalkit:FuzzParseThresholds
fuzz: deps
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$${t#*:}$$" -fuzztime=$(FUZZTIME) ./$${t%%:*}/; \
	done

# Compressed binaries for scripts/device_check.sh on a lent GPU machine,
# which has no Go: the command and the conformance and trainer tests.
device-bins: deps
	mkdir -p bin/device
	$(GO) build -ldflags="-s -w" -o bin/device/wgtrain ./cmd/wgtrain
	$(GO) test -c -ldflags="-s -w" -o bin/device/conformance.test ./conformance
	$(GO) test -c -ldflags="-s -w" -o bin/device/trainer.test ./trainer
	gzip -f -9 bin/device/wgtrain bin/device/conformance.test bin/device/trainer.test
