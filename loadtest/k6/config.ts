/**
 * Settings shared by the k6 scripts, from `-e NAME=value` (k6's __ENV). Defaults fit the
 * docker-compose cluster: HAProxy on :8080 sends /ws to the edges and /v1/publish to the api.
 */

/** Base URL of the cluster (HAProxy). */
export const BASE_URL: string = __ENV.BASE_URL ?? 'http://localhost:8080';

/** The WebSocket endpoint. */
export const WS_URL: string = __ENV.WS_URL ?? `${BASE_URL.replace(/^http/, 'ws')}/ws`;

/** Publish API base URL (the same HAProxy by default). */
export const API_URL: string = __ENV.API_URL ?? BASE_URL;

/** Headers of a publish request: JSON, plus the API key when API_KEY is set. */
export function apiHeaders(): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (__ENV.API_KEY) headers.Authorization = `Bearer ${__ENV.API_KEY}`;
  return headers;
}

/** An integer from __ENV, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const raw = __ENV[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? Math.floor(value) : fallback;
}

/** The `op` (and the rest) of a server frame; null for anything that is not a JSON object. */
export function parseFrame(data: unknown): { op?: string; data?: { ts?: number } } | null {
  if (typeof data !== 'string') return null;
  try {
    const frame: unknown = JSON.parse(data);
    return typeof frame === 'object' && frame !== null ? (frame as { op?: string; data?: { ts?: number } }) : null;
  } catch {
    return null;
  }
}
