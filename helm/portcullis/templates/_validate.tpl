{{/*
Combinations values.schema.json cannot express well, refused at render time with a message
that says what to set. Included once, from deployment.yaml.
*/}}
{{- define "portcullis.validate" -}}
{{- $multi := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled -}}
{{- if and $multi (not (include "portcullis.storeEnabled" .)) -}}
{{- fail "portcullis: replicaCount > 1 or autoscaling.enabled needs a shared Redis store: set store.url or store.existingSecret. With the in-memory store every replica would count rates and budgets on its own, multiplying each limit by the number of replicas." -}}
{{- end -}}
{{- if not (or .Values.interception.existingSecret (and .Values.interception.cert .Values.interception.key)) -}}
{{- fail "portcullis: the interception CA is required: set interception.existingSecret (a Secret with tls.crt and tls.key), or interception.cert and interception.key (PEM)." -}}
{{- end -}}
{{- if .Values.proxy.tls.enabled -}}
{{- if not (or .Values.proxy.tls.existingSecret (and .Values.proxy.tls.cert .Values.proxy.tls.key)) -}}
{{- fail "portcullis: proxy.tls.enabled needs the proxy's certificate: set proxy.tls.existingSecret (a kubernetes.io/tls Secret), or proxy.tls.cert and proxy.tls.key (PEM)." -}}
{{- end -}}
{{- if not (or .Values.proxy.clientCa.existingSecret .Values.proxy.clientCa.cert) -}}
{{- fail "portcullis: proxy.tls.enabled needs the CA that signs agent client certificates: --set-file proxy.clientCa.cert=agent-ca.crt, or proxy.clientCa.existingSecret." -}}
{{- end -}}
{{- end -}}
{{- if and .Values.agentNamespaces.names .Values.agentNamespaces.caConfigMap.enabled (not (include "portcullis.agentCaCert" .)) -}}
{{- fail "portcullis: agentNamespaces.caConfigMap needs the interception CA certificate (public): --set-file agentNamespaces.caConfigMap.cert=interception-ca.crt, or set agentNamespaces.caConfigMap.enabled=false and distribute it yourself." -}}
{{- end -}}
{{- if and .Values.audit.redisStream.enabled (not (include "portcullis.storeEnabled" .)) -}}
{{- fail "portcullis: audit.redisStream writes to the store's Redis: set store.url or store.existingSecret." -}}
{{- end -}}
{{- if and .Values.audit.required (not (or .Values.audit.stdout .Values.audit.file.enabled .Values.audit.redisStream.enabled .Values.audit.http.enabled)) -}}
{{- fail "portcullis: audit.required is true but no audit sink is enabled: every request would be refused." -}}
{{- end -}}
{{- end -}}
