# Two commands do all the set-up on a fresh Debian 12 machine:
#   make serve   install what is missing, build, start the server (port 50051)
#   make test    install what is missing, build, run the whole suite
# Both call tools/bootstrap.sh (apt-get, only for missing packages).
BAZEL ?= bazel
PORT ?= 50051
ARGS ?=

.PHONY: bootstrap build serve test test-asan test-tsan soak bench fuzz clean readme docker-test k8s-test python-client

bootstrap:
	@tools/bootstrap.sh

build: bootstrap
	$(BAZEL) build //server:reward-server //client:reward-cli

serve: build
	bazel-bin/server/reward-server --port $(PORT) $(ARGS)

# The Python client (client/python, import name reward_client) for use with
# PYTHONPATH=client/python and Debian's python3-grpcio/python3-protobuf: the
# build generates its gRPC stubs from proto/, copied here into the package.
python-client: bootstrap
	$(BAZEL) build //client/python:reward_client
	rm -rf client/python/reward_client/_gen
	cp -r bazel-bin/client/python/reward_client/_gen client/python/reward_client/_gen
	chmod -R u+w client/python/reward_client/_gen

# Runs every test target, then prints the summary line counted from the
# test cases' XML reports: "N passed, M failed".
# The architecture is checked too: dependencies the visibility rules forbid
# (the sandbox using the verifiers, the verifiers using the server) must not build.
# And the service's own code locks with std::mutex, never absl's
# synchronization: Debian's absl is not built with ThreadSanitizer, which
# cannot see its locks, so make test-tsan would be blind there (docs/testing.md).
test: bootstrap
	@rc=0; $(BAZEL) test //... || rc=$$?; \
	  for edge in //sandbox:forbidden_edge //rewards:forbidden_edge; do \
	    if ! $(BAZEL) build $$edge 2>&1 | grep -q "is not visible"; then \
	      echo "architecture: $$edge did not fail for visibility"; rc=1; fi; done; \
	  if grep -rln --include='*.cc' --include='*.h' 'absl/synchronization/' server rewards sandbox client | grep -v '_test\.cc$$'; then \
	    echo "the files above use absl's synchronization: use std::mutex (ThreadSanitizer cannot see absl's)"; rc=1; fi; \
	  $(BAZEL) query 'tests(//...)' 2>/dev/null | /usr/bin/python3 tools/test_summary.py bazel-testlogs $$rc

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, and
# under ThreadSanitizer (g++; tools/lsan.supp and tools/tsan.supp list what is
# suppressed in Debian's uninstrumented libraries, and why), with the same
# summary line.
test-asan: bootstrap
	@rc=0; $(BAZEL) test --config=asan --test_env=LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp //... || rc=$$?; \
	  $(BAZEL) query 'tests(//...)' 2>/dev/null | /usr/bin/python3 tools/test_summary.py bazel-out/k8-fastbuildasan/testlogs $$rc

test-tsan: bootstrap
	@rc=0; $(BAZEL) test --config=tsan --test_env=TSAN_OPTIONS=halt_on_error=1:ignore_noninstrumented_modules=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tools/tsan.supp //... || rc=$$?; \
	  $(BAZEL) query 'tests(//...)' 2>/dev/null | /usr/bin/python3 tools/test_summary.py bazel-out/k8-fastbuildtsan/testlogs $$rc

# Ten minutes at saturation through the real server, mixed profiles
# (tools/soak.py); make test runs a 30-second version (//tests:soak_test).
soak: bootstrap
	$(BAZEL) build //server:reward-server //proto:reward_py
	/usr/bin/python3 tools/soak.py --server bazel-bin/server/reward-server --stubs bazel-bin/proto/py \
	  --warmup 180 --seconds 600

# Benchmarks (optimised build); each prints its numbers beside a baseline
# measured in the same run.
bench: bootstrap
	$(BAZEL) build -c opt //bench:all //sandbox:sandbox-runner
	bazel-bin/bench/math_bench
	bazel-bin/bench/batch_bench
	bazel-bin/bench/language_bench tests/language/language_eval.jsonl
	bazel-bin/bench/language_bench tests/language/multilingual_eval.jsonl
	bazel-bin/bench/sandbox_bench bazel-bin/sandbox/sandbox-runner tests/data/HumanEval.jsonl.gz
	$(BAZEL) build -c opt //server:reward-server
	bazel-bin/bench/grpc_load --server bazel-bin/server/reward-server --profile r1_zero
	bazel-bin/bench/grpc_load --server bazel-bin/server/reward-server --profile r1

# libFuzzer targets (rewards/fuzz/) with clang, ASan and UBSan, FUZZ_SECONDS
# each (default 600); what they find is merged into the corpora make test replays.
fuzz: bootstrap
	@tools/bootstrap.sh clang libclang-rt-14-dev
	tools/fuzz.sh

clean:
	$(BAZEL) clean

# Regenerates README's verifier table from the verifiers' declarations.
readme: bootstrap
	$(BAZEL) run //tools:verifier_table -- $(CURDIR)/README.md

# Builds the container image and checks it serves (podman here; the same
# Dockerfile builds with Docker). Installs podman, runc and debootstrap, and
# makes the Debian base images locally (no registry is reachable).
docker-test:
	tools/docker_smoke_test.sh

# Plays deploy/k8s with podman kube play from the image above (built when
# missing; REBUILD=1 rebuilds), scores through the pod, reads its metrics,
# takes it down. tests/k8s_manifest_test.py (in make test) checks the
# manifests against the server without a container.
k8s-test:
	tools/k8s_test.sh
