{{/* Names, labels and the secret-or-inline choices every template shares. */}}

{{- define "portcullis.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "portcullis.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "portcullis.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "portcullis.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "portcullis.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "portcullis.labels" -}}
{{ include "portcullis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "portcullis.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "portcullis.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Secret names: the operator's existing Secret, else the one this chart renders. */}}
{{- define "portcullis.interceptionSecret" -}}
{{- default (printf "%s-interception-ca" (include "portcullis.fullname" .)) .Values.interception.existingSecret -}}
{{- end -}}

{{- define "portcullis.proxyTlsSecret" -}}
{{- default (printf "%s-proxy-tls" (include "portcullis.fullname" .)) .Values.proxy.tls.existingSecret -}}
{{- end -}}

{{- define "portcullis.clientCaSecret" -}}
{{- default (printf "%s-client-ca" (include "portcullis.fullname" .)) .Values.proxy.clientCa.existingSecret -}}
{{- end -}}

{{- define "portcullis.adminTokenSecret" -}}
{{- default (printf "%s-admin-token" (include "portcullis.fullname" .)) .Values.admin.token.existingSecret -}}
{{- end -}}

{{- define "portcullis.storeSecret" -}}
{{- default (printf "%s-store" (include "portcullis.fullname" .)) .Values.store.existingSecret -}}
{{- end -}}

{{- define "portcullis.policyConfigMap" -}}
{{- default (printf "%s-policy" (include "portcullis.fullname" .)) .Values.existingPolicyConfigMap.name -}}
{{- end -}}

{{/* The policy files the main config includes, in order. */}}
{{- define "portcullis.policyFiles" -}}
{{- if .Values.existingPolicyConfigMap.name -}}
{{- toJson .Values.existingPolicyConfigMap.files -}}
{{- else -}}
{{- toJson (list "policy.yaml") -}}
{{- end -}}
{{- end -}}

{{/* "true" or "" (templates return strings). */}}
{{- define "portcullis.storeEnabled" -}}
{{- if or .Values.store.url .Values.store.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "portcullis.adminTokenEnabled" -}}
{{- if or .Values.admin.token.value .Values.admin.token.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "portcullis.agentCaCert" -}}
{{- default .Values.interception.cert .Values.agentNamespaces.caConfigMap.cert -}}
{{- end -}}
