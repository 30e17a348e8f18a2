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
# The pods' secure defaults cannot be weakened through values, nor a Secret's key given as a plain value (it would win).
for refused in "podSecurityContext.runAsNonRoot=false" "podSecurityContext.runAsUser=0" "podSecurityContext=null" \
  "securityContext.privileged=true" "securityContext.allowPrivilegeEscalation=true" \
  "securityContext.readOnlyRootFilesystem=false" "securityContext.capabilities.add[0]=NET_ADMIN" \
  "securityContext.seccompProfile.type=Unconfined" "securityContext.procMount=Unmasked" \
  "podSecurityContext.fsGroup=0" "podSecurityContext.supplementalGroups[0]=0" "securityContext.runAsGroup=0" \
  "networkPolicy.proxyNamespaceSelector.kubernetes\\.io/metadata\\.name=null" \
  "extraEnv[0].name=TRUST_PROXY,extraEnv[0].value=true" "extraEnv[0].name=NODE_TLS_REJECT_UNAUTHORIZED" \
  "extraEnv[0].name=SMTP_URL,extraEnv[0].value=smtp://user:password@relay:587" \
  "notifications.smsProviderUrl=http://sms.example/send" \
  "notifications.smsProviderUrl=https://key@sms.example/send"; do
  if "$helm" template platform "$chart" --kube-version 1.31.0 --set "$refused" >/dev/null 2>&1; then
    die "the chart's schema takes $refused"
  fi
done
# A budget that keeps every replica would hang every node drain: the chart refuses it, with or without autoscaling.
# A percentage rounds up (60% of 2 is both); a service scaled to 0 keeps nothing and still renders.
for refused in "services.gateway.replicaCount=1" "services.identity.podDisruptionBudget.minAvailable=100%" \
  "services.identity.podDisruptionBudget.minAvailable=60%" \
  "services.membership.autoscaling.enabled=true,services.membership.autoscaling.minReplicas=1" \
  "services.notifications.autoscaling.enabled=true,services.notifications.autoscaling.minReplicas=null" \
  "services.gateway.podDisruptionBudget.minAvailable= 100%"; do
  if "$helm" template platform "$chart" --kube-version 1.31.0 --set "$refused" >/dev/null 2>&1; then
    die "the chart renders a PodDisruptionBudget that keeps every replica ($refused)"
  fi
done
"$helm" template platform "$chart" --kube-version 1.31.0 --set services.gateway.replicaCount=0 >/dev/null ||
  die "a service scaled to zero does not render"
# Each service's pods get only the Secret keys it reads (templates/_helpers.tpl, ip.secretEnv): the public gateway none
# that signs tokens, decrypts TOTP secrets, signs audit checkpoints, administers notifications, reaches SMTP or signs
# commands as identity.
gateway_keys=$(awk '/^---/{d=0} /^  name: .*-gateway$/{d=1} d && /secretKeyRef/' "$rendered/production.yaml")
[ -n "$gateway_keys" ] || die "no Secret keys found for the gateway in the rendered chart"
for key in IDENTITY_SIGNING_KEY_PEM TOTP_ENCRYPTION_KEY AUDIT_SIGNING_KEY_PEM NOTIFICATIONS_ADMIN_TOKEN SMTP_URL COMMAND_SIGNING_SECRET_IDENTITY COMMAND_SIGNING_SECRET; do
  if grep -q "key: $key[ ,}]" <<<"$gateway_keys"; then die "the gateway's pods get $key"; fi
done
# With credentials per service (the production example) each service signs in to MongoDB, the event store and Kafka
# under keys of its own: the gateway's pods never get the shared ones or another service's.
for key in MONGO_URL EVENTSTORE_CONNECTION_STRING KAFKA_SASL_PASSWORD; do
  grep -q "key: gateway.$key[ ,}]" <<<"$gateway_keys" || die "the gateway does not read its own $key"
  if grep -q "key: $key[ ,}]" <<<"$gateway_keys"; then die "the gateway's pods get the shared $key"; fi
  if grep -q "key: identity.$key[ ,}]" <<<"$gateway_keys"; then die "the gateway's pods get identity's $key"; fi
done
# Behind the ingress the gateway believes X-Forwarded-For: then only the ingress controller (and the release) reach it.
gateway_policy=$(awk '/^---/{p=0; k=""} /^kind:/{k=$2} k=="NetworkPolicy" && /^  name: .*-gateway$/{p=1} p' "$rendered/production.yaml")
grep -q "from:" <<<"$gateway_policy" || die "the gateway trusts its proxies but any pod may reach it"
# Identity answers its JWKS to the gateway's pods only; membership and notifications to no pod of the release.
policy_of() { awk -v svc="$1" '/^---/{p=0; k=""} /^kind:/{k=$2} k=="NetworkPolicy" && $0 ~ "^  name: .*-" svc "$"{p=1} p' "$rendered/production.yaml"; }
grep -q "app.kubernetes.io/name: gateway" <<<"$(policy_of identity)" || die "identity's policy does not name the gateway"
for svc in membership notifications; do
  if policy_of "$svc" | sed -n '/ingress:/,$p' | grep -q podSelector; then die "pods of the release may reach $svc"; fi
done
# Egress in the production example: every service is held to DNS and the listed destinations; the gateway may reach
# identity's pods (JWKS), and only notifications the SMTP relay. Off by default (the destinations are the deployment's).
for svc in gateway identity membership notifications; do
  grep -q "policyTypes: \[Ingress, Egress\]" <<<"$(policy_of "$svc")" || die "$svc has no egress policy"
done
grep -q "app.kubernetes.io/name: identity" <<<"$(policy_of gateway | sed -n '/egress:/,$p')" || die "the gateway cannot reach identity's JWKS"
grep -q "port: 587" <<<"$(policy_of notifications)" || die "notifications cannot reach SMTP"
for svc in gateway identity membership; do
  if grep -q "port: 587" <<<"$(policy_of "$svc")"; then die "$svc may reach SMTP"; fi
done
if grep -q "Egress" "$rendered/default.yaml"; then die "egress is restricted by default"; fi
# TLS to Kafka with a private CA in the production example: the CA mounted where KAFKA_SSL_CA_FILE says.
grep -q "KAFKA_SSL_CA_FILE: /etc/kafka-ca/ca.crt" "$rendered/production.yaml" || die "the Kafka CA is not configured"
grep -q "mountPath: /etc/kafka-ca" "$rendered/production.yaml" || die "the Kafka CA is not mounted"
# And the private CA of the event store and MongoDB, through extraVolumes, in every service.
[ "$(grep -c "mountPath: /etc/platform-ca" "$rendered/production.yaml")" = 4 ] || die "the platform CA is not mounted in every service"
grep -q "image: \"registry.example.com/platform/identity-platform@sha256:" "$rendered/production.yaml" || die "the digest does not pin the image"
if grep -A3 "envFrom:" "$rendered/production.yaml" | grep -q secretRef; then
  die "a pod gets the whole Secret (envFrom secretRef)"
fi
"$checker" compose "$REPO_DIR/docker-compose.yml"
log "deployment files valid"
