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

{{- define "cryptoutil-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace -}}
{{- end -}}

{{/*
The operator's rules on the resources it reconciles and owns: exactly the verbs its code uses
(operator/rbac.test.ts records every request in kube-sim and compares). A ClusterRole when
watchNamespaces is empty, the same rules in a Role per watched namespace otherwise.
*/}}
{{- define "cryptoutil-operator.rules" -}}
# Watched; server-side apply sets the retained-Secrets finalizer (patch). IdentityRealms are also
# read for the issuer a service names in auth.identityRealmRef.
- apiGroups: ["cryptoutil.io"]
  resources: ["kmsinstances", "certificateauthorities", "petstores", "jwkauthorities", "identityrealms"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["cryptoutil.io"]
  resources: ["kmsinstances/status", "certificateauthorities/status", "identityrealms/status", "petstores/status", "jwkauthorities/status"]
  verbs: ["patch"]
# Children carry owner references with blockOwnerDeletion, which needs update on the owner's finalizers.
- apiGroups: ["cryptoutil.io"]
  resources: ["kmsinstances/finalizers", "certificateauthorities/finalizers", "petstores/finalizers", "jwkauthorities/finalizers", "identityrealms/finalizers"]
  verbs: ["update"]
# Every kind of child is listed and watched by the operator's managed-by label, so that a change or
# deletion by hand is repaired within seconds (Secrets as metadata only: their data is never
# streamed). Secrets are read by name, created once, replaced only to renew a TLS certificate the
# operator issued or to rotate a realm client's secret, and deleted under deletionPolicy Delete or
# when a client is removed from an IdentityRealm's spec.clients.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# Children kept by server-side apply (patch, create when missing); garbage collection deletes them.
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch"]
# Workloads' readiness also drives Ready.
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "create", "patch"]
# Volume expansion: a larger spec.database.generated.storage raises the PostgreSQL claims' requests.
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["get", "patch"]
# Events, a repeat patches the series of the first one.
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- if .Values.certManager.enabled }}
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["get", "create", "patch"]
{{- end }}
{{- end -}}

{{/*
The service of a kind the operator deploys with PostgreSQL (operator/kinds.ts; chart-backup.test.ts
compares): child names are <resource>-<service>-….
*/}}
{{- define "cryptoutil-operator.kindService" -}}
{{- get (dict "KmsInstance" "sm-kms" "PetStore" "learn-ps" "CertificateAuthority" "pki-ca" "JwkAuthority" "jose-ja") . -}}
{{- end -}}
