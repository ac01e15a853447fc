/**
 * The Grafana dashboard (deploy/grafana) and the chart's PrometheusRule: the dashboard JSON is
 * schema-checked, and every metric a query or alert names is one the services export, read
 * from the /metrics of a running all-in-one (edge, publisher) and the api's registration.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { registerApiMetrics } from '@switchboard/api';
import { MemoryBroker, MemoryBus } from '@switchboard/backends';
import { PublishTelemetry } from '@switchboard/history';
import { createMetricsRegistry } from '@switchboard/telemetry';
import { renderChart } from '@switchboard/testkit';
import { z } from 'zod';
import { TestServer } from './test-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const datasource = z.object({ type: z.literal('prometheus'), uid: z.string().min(1) });
const target = z.object({ refId: z.string().regex(/^[A-Z]$/), expr: z.string().min(1), legendFormat: z.string(), datasource });
const panel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'table', 'gauge', 'bargauge']),
  title: z.string().min(1),
  gridPos: z
    .object({ x: z.number().int().min(0), y: z.number().int().min(0), w: z.number().int().min(1), h: z.number().int().min(1) })
    .refine((g) => g.x + g.w <= 24, 'a panel must fit the 24-column grid'),
  datasource,
  fieldConfig: z.object({ defaults: z.object({ unit: z.string() }).passthrough(), overrides: z.array(z.unknown()) }),
  options: z.record(z.string(), z.unknown()),
  targets: z.array(target).min(1),
});
/** The fields of Grafana's dashboard model (schemaVersion 39) that the import needs. */
const dashboardSchema = z.object({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36),
  version: z.number().int(),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(z.object({ name: z.string(), type: z.string() }).passthrough()) }),
  annotations: z.object({ list: z.array(z.unknown()) }),
  panels: z.array(panel).min(1),
});

/** The metric names in a PromQL expression (identifiers followed by a selector, range or `)`/space). */
function metricsIn(expr: string): string[] {
  const functions = new Set(['sum', 'rate', 'max', 'count', 'vector', 'histogram_quantile', 'by', 'or', 'and']);
  const labels = new Set(['le', 'node', 'service', 'state']);
  return [...expr.replace(/\{[^}]*\}/g, '{}').matchAll(/[a-z_:][a-z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((name) => !functions.has(name) && !labels.has(name) && !/^\d/.test(name) && name.includes('_'))
    .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('observability files', () => {
  const exported = new Set<string>();
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.publish('warm.up', 1);
    const api = createMetricsRegistry({ service: 'api', node: 'api-test' });
    const bus = new MemoryBus(new MemoryBroker());
    registerApiMetrics(api, { published: 0, rejected: 0 }, bus);
    new PublishTelemetry(api);
    const texts = [await (await fetch(`${server.url}/metrics`)).text(), await api.metrics()];
    for (const text of texts) for (const m of text.matchAll(/^# TYPE (\S+) /gm)) exported.add(m[1] as string);
    await bus.close();
  });
  after(async () => {
    await server?.close();
  });

  it('exports the delivery, history, bus and readiness metrics', () => {
    for (const name of [
      'switchboard_edge_delivery_latency_seconds',
      'switchboard_edge_history_read_seconds',
      'switchboard_edge_replay_messages',
      'switchboard_history_append_seconds',
      'switchboard_bus_publish_seconds',
      'switchboard_bus_state',
      'switchboard_ready',
      'switchboard_api_published_total',
      'switchboard_edge_slow_consumer_closes_total',
    ]) {
      assert.ok(exported.has(name), `${name} is not exported`);
    }
  });

  it('the Grafana dashboard passes the schema and every query names exported metrics only', () => {
    const json: unknown = JSON.parse(readFileSync(`${ROOT}deploy/grafana/switchboard-dashboard.json`, 'utf8'));
    const dashboard = dashboardSchema.parse(json);
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const { title, targets } of dashboard.panels) {
      for (const { expr } of targets) {
        const names = metricsIn(expr);
        assert.ok(names.length > 0, `${title}: "${expr}" names no metric`);
        for (const name of names) assert.ok(exported.has(name), `${title}: ${name} is not exported by the services`);
      }
    }
  });

  it('the chart renders the PrometheusRule only when enabled, and its alerts name exported metrics only', () => {
    const off = renderChart(`${ROOT}helm/switchboard`, 'sb');
    assert.equal(off.objects.filter((o) => o.kind === 'PrometheusRule').length, 0);
    const monitoring = { ...(off.values.monitoring as object), prometheusRule: { enabled: true } };
    const on = renderChart(`${ROOT}helm/switchboard`, 'sb', { monitoring });
    const rule = on.objects.find((o) => o.kind === 'PrometheusRule') as
      | { spec: { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> } }
      | undefined;
    assert.ok(rule);
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    assert.deepEqual(
      rules.map((r) => r.alert),
      [
        'SwitchboardEdgeNotReady',
        'SwitchboardNoEdgeReady',
        'SwitchboardBusDown',
        'SwitchboardDeliveryP99OverBudget',
        'SwitchboardSlowConsumerCutsSpiking',
      ],
    );
    for (const { alert, expr } of rules) {
      const names = metricsIn(String(expr));
      assert.ok(names.length > 0, `${alert} names no metric`);
      for (const name of names) assert.ok(exported.has(name), `${alert}: ${name} is not exported`);
    }
  });
});
