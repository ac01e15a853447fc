{{/* Environment shared by every Switchboard process. */}}
{{- define "switchboard.busEnv" -}}
- name: BUS_URL
  value: {{ .Values.bus.url | quote }}
- name: BUS_PREFIX
  value: {{ .Values.bus.prefix | quote }}
- name: HISTORY_SIZE
  value: {{ .Values.bus.historySize | quote }}
- name: HISTORY_TTL_MS
  value: {{ .Values.bus.historyTtlMs | quote }}
- name: NODE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end -}}
