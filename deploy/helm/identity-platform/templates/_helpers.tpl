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
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
