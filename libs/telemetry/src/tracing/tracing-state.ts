/**
 * Whether an OpenTelemetry SDK was started in this process (`startTracing` found an endpoint).
 * Hot paths test this one boolean and touch the OpenTelemetry API only when it is true, so a
 * process without tracing pays a property read per message and nothing else.
 */
export const tracingState = { on: false };
