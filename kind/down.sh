#!/usr/bin/env bash
# Deletes the kind cluster kind/up.sh created (KIND_CLUSTER_NAME, default cryptoutil), and
# everything in it; the cryptoutil:dev image stays in the local docker image store.
set -euo pipefail

cluster="${KIND_CLUSTER_NAME:-cryptoutil}"

# Read the list whole: grep -q could close the pipe early, and pipefail would count that a failure.
if grep -qx "$cluster" <<<"$(kind get clusters)"; then
  kind delete cluster --name "$cluster"
else
  echo "down.sh: no kind cluster named ${cluster}"
fi
