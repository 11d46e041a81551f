#!/usr/bin/env bash
# make k8s-test: plays deploy/k8s with `podman kube play` (Debian's podman)
# from the image docker/Dockerfile builds, scores the worked example and the
# code example through the running pod, reads its metrics, and takes it down
# (SIGTERM: the pod must drain and stop). The image is built unless
# reward-service:latest exists (REBUILD=1 rebuilds it; ~15 min from nothing
# on 2 cores, hence not part of `make test`).
#
# podman plays the Deployment as one pod and ignores what only a cluster has
# (Service, HPA, PDB, gRPC probes); tests/k8s_manifest_test.py checks those
# against the server. The pod shares the host's network here (this machine
# has no container networking); ports are the ConfigMap's.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null || ! command -v catatonit >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap catatonit >/dev/null
fi
run=(podman --runtime runc --cgroup-manager cgroupfs)
if [[ "${REBUILD:-0}" == 1 ]] || ! podman image exists reward-service:latest; then
  base=../shared/tools/container-base-image.sh
  if [[ -f "$base" ]]; then bash "$base"; fi
  podman build --pull=never --isolation chroot -f docker/Dockerfile -t reward-service .
fi

work=$(mktemp -d /tmp/k8s-test.XXXXXX)
# This machine's hard limit on open files is below podman's default for
# containers (which then cannot start): the pod gets the smoke test's limits.
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' > "$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
# The Deployment as podman plays it: the same file, on the host's network
# (without port mappings, which podman refuses there).
/usr/bin/python3 - "$work" <<'PY'
import sys, yaml
work = sys.argv[1]
d = yaml.safe_load(open("deploy/k8s/deployment.yaml"))
d["spec"]["replicas"] = 1  # on one host network, replicas would share ports
pod = d["spec"]["template"]["spec"]
pod["hostNetwork"] = True
for c in pod["containers"]:
    c.pop("ports", None)  # host network: the ports are the ConfigMap's, nothing to map
yaml.safe_dump(d, open(f"{work}/deployment.yaml", "w"))
PY
cleanup() {
  "${run[@]}" kube down "$work/deployment.yaml" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"${run[@]}" kube play --configmap deploy/k8s/configmap.yaml "$work/deployment.yaml"
ctr=$("${run[@]}" ps --format '{{.Names}}' | grep -- '-reward-server$' | head -1)
[[ -n "$ctr" ]] || { echo "k8s test: no reward-server container"; "${run[@]}" ps -a; exit 1; }
cli=("${run[@]}" exec -i "$ctr" reward-cli --address 127.0.0.1:50051)
for _ in $(seq 150); do "${cli[@]}" health >/dev/null 2>&1 && break; sleep 0.2; done
"${cli[@]}" health

out=$("${cli[@]}" score --input=- --profile r1_zero --json < examples/r1_zero.jsonl)
rewards=$(echo "$out" | /usr/bin/python3 -c 'import json,sys; print([round(float(s["reward"]),6) for s in json.loads(sys.stdin.readline())["samples"]])')
[[ "$rewards" == "[0.1, 1.1, 1.0, 0.0]" ]] || { echo "k8s test: unexpected rewards $rewards"; exit 1; }
code=$("${cli[@]}" score --input=- --profile code --json < examples/code.jsonl)
statuses=$(echo "$code" | /usr/bin/python3 -c 'import json,sys; print([c["status"] for s in json.loads(sys.stdin.readline())["samples"] for c in s["components"] if c["verifier"] == "code"])')
[[ "$statuses" == "['NO_CODE', 'WRONG_ANSWER', 'WRONG_ANSWER', 'PASSED']" ]] || {
  echo "k8s test: code rewards in the pod: $statuses"; exit 1; }
# The ConfigMap's own profile, and the metrics port.
"${cli[@]}" verifiers | grep -q "r1_zero_lang" || { echo "k8s test: the ConfigMap's profile is missing"; exit 1; }
metrics=$("${run[@]}" exec "$ctr" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9090/metrics").read().decode())')
echo "$metrics" | grep -q 'reward_requests_total{code="OK",method="Score",profile="r1_zero"} 1' || {
  echo "k8s test: metrics lack the scored call"; echo "$metrics" | grep reward_requests; exit 1; }
echo "$metrics" | grep -q 'reward_sandbox_runs_total' || { echo "k8s test: no sandbox metrics"; exit 1; }

# SIGTERM (what the kubelet sends after preStop): the server drains and
# exits 0 within the grace period.
"${run[@]}" stop -t 40 "$ctr" >/dev/null
logs=$("${run[@]}" logs "$ctr" 2>&1)
echo "$logs" | grep -q "draining requests in flight" && echo "$logs" | grep -q "reward-server: stopped" || {
  echo "k8s test: the server did not drain on SIGTERM:"; echo "$logs" | tail -5; exit 1; }
code_exit=$("${run[@]}" inspect "$ctr" --format '{{.State.ExitCode}}')
[[ "$code_exit" == 0 ]] || { echo "k8s test: the server exited $code_exit"; exit 1; }
"${run[@]}" kube down "$work/deployment.yaml" >/dev/null
echo "k8s test: deploy/k8s ran under podman kube play: worked example $rewards, sandboxed code $statuses," \
  "metrics scraped, SIGTERM drained, exit 0"
