{{- define "cryptoutil-operator.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cryptoutil-operator.serviceAccountName" -}}
{{- default (include "cryptoutil-operator.name" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "cryptoutil-operator.labels" -}}
app.kubernetes.io/name: cryptoutil-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "cryptoutil-operator.selector" -}}
app.kubernetes.io/name: cryptoutil-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
