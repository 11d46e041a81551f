#!/usr/bin/env bash
# Installs what this project needs from Debian's archive, and nothing else.
# Idempotent: packages already installed are skipped, `apt-get update` runs at
# most once, and nothing is done when everything is present.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap bazel-rules-java g++ pkg-config make
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libre2-dev libicu-dev libfmt-dev libcld2-dev libseccomp-dev libpython3-dev
  libcpp-httplib-dev grpc-proto prometheus-cpp-dev
  # tests and benchmarks (libexttextcat: a candidate compared with the
  # language verifier's model in bench/language_candidates)
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-grpcio python3-protobuf python3-pytest
  libexttextcat-dev libexttextcat-data
  # tests of operations: a real Prometheus scrapes the server; openssl makes
  # the TLS tests' certificates; python3-yaml reads deploy/k8s
  prometheus openssl python3-yaml
)

# Extra packages a target needs beyond these (make fuzz: clang and its
# runtime), given as arguments.
PACKAGES+=("$@")

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
