{{/* Pod-level security: a non-root user; the same for every process. */}}
{{- define "switchboard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* Container-level security: read-only root filesystem, no privilege escalation, no capabilities. */}}
{{- define "switchboard.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities: { drop: [ALL] }
{{- end -}}
