#!/usr/bin/env bash
# Brings the cryptoutil operator up on a local kind cluster: creates the cluster when missing,
# builds the image from the repository's Dockerfile, loads it into the nodes, installs the chart,
# applies the PetStore and KmsInstance samples and waits for them to be Ready.
# Needs docker, kind, kubectl and helm on PATH. Environment overrides:
#   KIND_CLUSTER_NAME (cryptoutil), IMAGE_REPOSITORY (cryptoutil), IMAGE_TAG (dev),
#   OPERATOR_NAMESPACE (cryptoutil-system), WAIT_TIMEOUT (600s),
#   ISSUER (the samples' spec.auth.issuer; their placeholder https://identity.example.com otherwise).
# A service pod is ready only once it has read its issuer's JWKS, so the samples turn Ready only with an
# ISSUER the cluster can reach (the e2e-kind workflow uses GitHub Actions' OIDC issuer).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cluster="${KIND_CLUSTER_NAME:-cryptoutil}"
repository="${IMAGE_REPOSITORY:-cryptoutil}"
tag="${IMAGE_TAG:-dev}"
namespace="${OPERATOR_NAMESPACE:-cryptoutil-system}"
timeout="${WAIT_TIMEOUT:-600s}"
context="kind-${cluster}"

for tool in docker kind kubectl helm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "up.sh: ${tool} is not on PATH" >&2
    exit 1
  fi
done

# Read the list whole: grep -q could close the pipe early, and pipefail would count that a failure.
if grep -qx "$cluster" <<<"$(kind get clusters)"; then
  echo "==> kind cluster ${cluster} exists"
else
  echo "==> creating kind cluster ${cluster}"
  kind create cluster --name "$cluster" --config "${root}/kind/cluster.yaml" --wait 120s
fi

echo "==> building ${repository}:${tag}"
docker build -f "${root}/Dockerfile" -t "${repository}:${tag}" "$root"

echo "==> loading ${repository}:${tag} into ${cluster}"
kind load docker-image "${repository}:${tag}" --name "$cluster"

# The chart renders the CRDs as templates, so a re-run upgrades them. --take-ownership adopts CRDs
# an earlier run applied with kubectl (docs/operator.md, "Install").
echo "==> installing the chart and its CRDs"
helm upgrade --install cryptoutil-operator "${root}/charts/cryptoutil-operator" \
  --kube-context "$context" \
  --take-ownership \
  --namespace "$namespace" --create-namespace \
  --set image.repository="$repository" \
  --set image.tag="$tag" \
  --set image.pullPolicy=IfNotPresent \
  --wait --timeout "$timeout"

placeholder="https://identity.example.com"
issuer="${ISSUER:-$placeholder}"
if [[ "$issuer" == "$placeholder" ]]; then
  echo "warning: ISSUER is not set; the samples trust ${placeholder}, which does not resolve, so their pods stay unready" >&2
fi
echo "==> applying the samples with spec.auth.issuer ${issuer}"
for sample in "${root}/kind/samples/petstore.yaml" "${root}/kind/samples/kmsinstance.yaml"; do
  sed "s|${placeholder}|${issuer}|" "$sample" | kubectl --context "$context" apply -f -
done

echo "==> waiting up to ${timeout} for the samples to be Ready"
if ! kubectl --context "$context" -n default wait --for=condition=Ready --timeout="$timeout" petstores.cryptoutil.io/demo kmsinstances.cryptoutil.io/demo; then
  kubectl --context "$context" -n default describe petstores.cryptoutil.io/demo kmsinstances.cryptoutil.io/demo || true
  kubectl --context "$context" -n "$namespace" logs deployment/cryptoutil-operator --tail=200 || true
  exit 1
fi

echo "==> running"
kubectl --context "$context" -n "$namespace" get deployments,pods -o wide
kubectl --context "$context" -n default get petstores.cryptoutil.io,kmsinstances.cryptoutil.io
kubectl --context "$context" -n default get deployments,statefulsets,services,pods
