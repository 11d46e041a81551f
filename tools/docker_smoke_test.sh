#!/usr/bin/env bash
# Builds docker/Dockerfile with podman, starts the image on a free loopback
# port, scores the worked example through it and stops it with SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
base=../shared/tools/container-base-image.sh
if [[ -x "$base" || -f "$base" ]]; then bash "$base"; fi
podman build --pull=never --isolation chroot -f docker/Dockerfile -t reward-service .
port=$((20000 + RANDOM % 20000))
run=(podman --runtime runc --cgroup-manager cgroupfs)
name="reward-smoke-$$"
"${run[@]}" run -d --rm --name "$name" --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  reward-service --port "$port" >/dev/null
trap '"${run[@]}" stop -t 5 "$name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do
  "${run[@]}" exec "$name" reward-cli --address "127.0.0.1:$port" health >/dev/null 2>&1 && break
  sleep 0.2
done
out=$("${run[@]}" exec -i "$name" reward-cli --address "127.0.0.1:$port" score --input=- --profile r1_zero --json \
      < examples/r1_zero.jsonl)
echo "$out"
rewards=$(echo "$out" | /usr/bin/python3 -c 'import json,sys; print([round(float(s["reward"]),6) for s in json.loads(sys.stdin.readline())["samples"]])')
[[ "$rewards" == "[0.1, 1.1, 1.0, 0.0]" ]] || { echo "docker smoke test: unexpected rewards $rewards"; exit 1; }
# Code rewards run the sandbox inside the container.
code=$("${run[@]}" exec -i "$name" reward-cli --address "127.0.0.1:$port" score --input=- --profile code --json \
      < examples/code.jsonl)
statuses=$(echo "$code" | /usr/bin/python3 -c 'import json,sys; print([c["status"] for s in json.loads(sys.stdin.readline())["samples"] for c in s["components"] if c["verifier"] == "code"])')
[[ "$statuses" == "['NO_CODE', 'WRONG_ANSWER', 'WRONG_ANSWER', 'PASSED']" ]] || {
  echo "docker smoke test: code rewards in the container: $statuses"; exit 1; }
echo "docker smoke test: image serves the worked example ($rewards) and sandboxed code ($statuses)"
