#!/usr/bin/env bash
# Checks the deployment files offline (CI has no cluster and no Docker):
#   - the Helm chart: helm lint, and helm template for the default values and the production example, every rendered
#     manifest decoded strictly into its Kubernetes API type (tools/deploy-check);
#   - docker-compose.yml: loaded and validated by compose-go, the Compose Specification's reference implementation.
# helm and the checker are built from the Go module proxy at pinned versions and cached like the infra servers.
source "$(dirname "$0")/infra/common.sh"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
chart="$REPO_DIR/deploy/helm/identity-platform"
need go "the Go toolchain builds helm and the checker"

helm="$INFRA_CACHE/helm-$HELM_VERSION/helm"
if [ ! -x "$helm" ]; then
  log "building helm $HELM_VERSION from the Go module proxy (once; cached in $INFRA_CACHE)"
  GOBIN="$(dirname "$helm")" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
checker="$INFRA_STATE/deploy-check"
(cd "$REPO_DIR/tools/deploy-check" && go test ./... && go build -o "$checker" .)

rendered="$INFRA_STATE/rendered"
mkdir -p "$rendered"
for values in default production; do
  args=()
  [ "$values" = production ] && args=(-f "$chart/ci/production-values.yaml")
  "$helm" lint --strict "$chart" "${args[@]}"
  "$helm" template platform "$chart" --namespace identity-platform --kube-version 1.31.0 "${args[@]}" >"$rendered/$values.yaml"
  "$checker" k8s "$rendered/$values.yaml"
done
"$checker" compose "$REPO_DIR/docker-compose.yml"
log "deployment files valid"
