{{/* The release's name for its objects: <release>-identity-platform, or the release name if it holds the chart's. */}}
{{- define "ip.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* One service's object name: <fullname>-<service>. Call with (dict "root" $ "service" "gateway"). */}}
{{- define "ip.serviceName" -}}
{{- printf "%s-%s" (include "ip.fullname" .root) .service -}}
{{- end -}}

{{- define "ip.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "ip.selectorLabels" -}}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "ip.serviceLabels" -}}
{{ include "ip.labels" .root }}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "ip.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The keys of the Secret a service reads, as env entries: each service gets only its own (the public gateway holds no
token-signing, TOTP, audit or SMTP secret, and signs commands with a key of its own, so it cannot pass for identity). Call with (dict "root" $ "service" "gateway").
Required keys must be in the Secret (the pod does not start without them); optional ones are read when present:
MONGO_URL, EVENTSTORE_CONNECTION_STRING (with its credentials) and the Kafka sign-in may come from the Secret instead
of the ConfigMap (a Secret's value wins), under keys of each service's own with secrets.credentialsPerService
(gateway.MONGO_URL, ...), the _PREVIOUS keys during a rotation.
*/}}
{{- define "ip.secretEnv" -}}
{{- $required := dict
  "gateway" (list "INVITATION_TOKEN_SECRET" "COMMAND_SIGNING_SECRET_GATEWAY" "PERSONAL_DATA_MASTER_KEY")
  "identity" (list "IDENTITY_SIGNING_KEY_PEM" "TOTP_ENCRYPTION_KEY" "AUDIT_SIGNING_KEY_PEM" "COMMAND_SIGNING_SECRET_GATEWAY" "COMMAND_SIGNING_SECRET_IDENTITY" "PERSONAL_DATA_MASTER_KEY")
  "membership" (list "AUDIT_SIGNING_KEY_PEM" "INVITATION_TOKEN_SECRET" "COMMAND_SIGNING_SECRET_GATEWAY" "COMMAND_SIGNING_SECRET_IDENTITY" "PERSONAL_DATA_MASTER_KEY")
  "notifications" (list "INVITATION_TOKEN_SECRET" "NOTIFICATIONS_ADMIN_TOKEN" "SMTP_URL" "PERSONAL_DATA_MASTER_KEY")
-}}
{{- $optional := dict
  "gateway" (list "INVITATION_TOKEN_SECRET_PREVIOUS" "COMMAND_SIGNING_SECRET_GATEWAY_PREVIOUS")
  "identity" (list "IDENTITY_ADDITIONAL_KEYS_PEM" "COMMAND_SIGNING_SECRET_GATEWAY_PREVIOUS" "COMMAND_SIGNING_SECRET_IDENTITY_PREVIOUS" "AUDIT_SIGNING_KEYS_RETIRED")
  "membership" (list "INVITATION_TOKEN_SECRET_PREVIOUS" "COMMAND_SIGNING_SECRET_GATEWAY_PREVIOUS" "COMMAND_SIGNING_SECRET_IDENTITY_PREVIOUS" "AUDIT_SIGNING_KEYS_RETIRED")
  "notifications" (list "INVITATION_TOKEN_SECRET_PREVIOUS" "SMS_PROVIDER_TOKEN")
-}}
{{- $secret := required "secrets.existingSecret names the Secret with the services' keys" .root.Values.secrets.existingSecret -}}
{{- range (get $required .service) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef: { name: {{ $secret | quote }}, key: {{ . }} }
{{- end }}
{{- range (get $optional .service) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef: { name: {{ $secret | quote }}, key: {{ . }}, optional: true }
{{- end }}
{{- $service := .service -}}
{{- $perService := eq .root.Values.secrets.credentialsPerService true -}}
{{- range (list "MONGO_URL" "EVENTSTORE_CONNECTION_STRING" "KAFKA_SASL_USERNAME" "KAFKA_SASL_PASSWORD") }}
- name: {{ . }}
  valueFrom:
    secretKeyRef: { name: {{ $secret | quote }}, key: {{ ternary (printf "%s.%s" $service .) . $perService }}, optional: true }
{{- end }}
{{- end -}}
