/**
 * How many bytes per second an edge's presence reports cost, for 10,000 connections over
 * 10,000 topics (each connection an authenticated user on 3 topics), at the default interval
 * (2 s) and full-report period (every 30th interval), through the real builder and encoder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeReport, type PresenceSource, ReportBuilder } from '@switchboard/presence-report';

const CONNECTIONS = 10_000;
const TOPICS = 10_000;
const PER_CONNECTION = 3;
const INTERVAL_MS = 2000;
const FULL_EVERY = 30;
const CYCLES = 2 * FULL_EVERY;

interface FakeSession {
  user: string | null;
  topics: string[];
}

/** The edge's state in the shapes the reporter reads (sessions; topic -> subscriber set). */
class EdgeState implements PresenceSource {
  readonly nodeId = 'edge-size-test';
  readonly sessions = new Set<FakeSession>();
  readonly registry = new Map<string, Set<{ session: FakeSession }>>();
  private seed = 42;
  private next = 0;

  /** mulberry32: deterministic, so the figures are comparable run to run. */
  random(n: number): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let x = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  }

  connect(): void {
    const session: FakeSession = { user: `user-${this.next++}`, topics: [] };
    this.sessions.add(session);
    for (let i = 0; i < PER_CONNECTION; i++) {
      const topic = `chat.room-${this.random(TOPICS)}`;
      let subs = this.registry.get(topic);
      if (subs === undefined) {
        subs = new Set();
        this.registry.set(topic, subs);
      }
      subs.add({ session });
      session.topics.push(topic);
    }
  }

  disconnectRandom(): void {
    const index = this.random(this.sessions.size);
    let i = 0;
    for (const session of this.sessions) {
      if (i++ !== index) continue;
      this.sessions.delete(session);
      for (const topic of session.topics) {
        const subs = this.registry.get(topic);
        for (const sub of subs ?? []) if (sub.session === session) subs?.delete(sub);
        if (subs?.size === 0) this.registry.delete(topic);
      }
      return;
    }
  }

  totals() {
    return { conns: this.sessions.size, subs: this.sessions.size * PER_CONNECTION, deliveries: 0 };
  }
  topics() {
    return this.registry.entries();
  }
  *connectionUsers() {
    for (const session of this.sessions) yield session.user;
  }
}

/** Runs CYCLES intervals with `churn` reconnects per interval; bytes per second and ms per report. */
function measure(churn: number) {
  const state = new EdgeState();
  for (let i = 0; i < CONNECTIONS; i++) state.connect();
  const builder = new ReportBuilder(state.nodeId, INTERVAL_MS);
  builder.build(state, { full: true, at: 0 }).commit(); // the start-up full report is not steady state
  let bytes = 0;
  let fullBytes = 0;
  const times: number[] = [];
  for (let tick = 1; tick <= CYCLES; tick++) {
    for (let i = 0; i < churn; i++) {
      state.disconnectRandom();
      state.connect();
    }
    const started = performance.now();
    const built = builder.build(state, { full: tick % FULL_EVERY === 0, at: tick * INTERVAL_MS });
    const sizes = built.reports.map((r) => encodeReport(r).length);
    built.commit();
    times.push(performance.now() - started);
    const total = sizes.reduce((a, b) => a + b, 0);
    bytes += total;
    if (built.reports[0]?.kind === 'full') fullBytes = total;
  }
  const medianMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
  return { perSecond: bytes / ((CYCLES * INTERVAL_MS) / 1000), fullBytes, medianMs, topics: state.registry.size };
}

describe(`presence report bytes: ${CONNECTIONS} connections over ${TOPICS} topics`, { timeout: 60_000 }, () => {
  it('steady state (no churn) and 1 % churn per interval stay small', (t) => {
    const steady = measure(0);
    const churn = measure(CONNECTIONS / 100);
    const line = (name: string, m: ReturnType<typeof measure>) =>
      `${name}: ${(m.perSecond / 1024).toFixed(2)} KiB/s per edge (full report ${(m.fullBytes / 1024).toFixed(1)} KiB compressed for ${m.topics} topics, ` +
      `every ${FULL_EVERY} × ${INTERVAL_MS} ms; median build+encode ${m.medianMs.toFixed(1)} ms)`;
    for (const text of [line('steady', steady), line('1% churn', churn)]) {
      t.diagnostic(text);
      console.log(`presence report size: ${text}`);
    }
    // Steady state is one ~170-byte delta per interval plus the periodic full report spread over
    // its period: bounded by (full + 30 × 200 B) / 60 s. The full report must stay far below the
    // NATS 1 MiB payload limit even uncut, and the steady rate well under 4 KiB/s per edge.
    assert.ok(steady.fullBytes < 256 * 1024, `full report ${steady.fullBytes} bytes`);
    assert.ok(steady.perSecond < 4 * 1024, `steady ${steady.perSecond} B/s`);
    // With 100 reconnects per interval a delta names ~600 topics (3 each, in and out) and 200 users:
    // about 20 B per entry before compression; bound the total under 16 KiB/s.
    assert.ok(churn.perSecond < 16 * 1024, `churn ${churn.perSecond} B/s`);
    assert.ok(steady.medianMs < 1000 && churn.medianMs < 1000, 'a report is built in well under an interval');
  });
});
