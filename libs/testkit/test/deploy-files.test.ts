/**
 * The deploy files, checked without helm or docker: the chart rendered and parsed, the HAProxy
 * config validated by the real haproxy, docker-compose.yml parsed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { renderChart } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is untyped; the assertions check its shape.
type Obj = Record<string, any>;

describe('helm/switchboard', () => {
  const { chart, objects } = renderChart(`${ROOT}helm/switchboard`, 'sb');
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && (o.metadata as Obj).name === name) as Obj;

  it('renders a Deployment and a Service per process, and an Ingress', () => {
    assert.equal(chart.name, 'switchboard');
    assert.deepEqual(objects.map((o) => `${o.kind}/${(o.metadata as Obj).name}`).sort(), [
      'Deployment/sb-api',
      'Deployment/sb-edge',
      'Deployment/sb-presence',
      'Ingress/sb',
      'Service/sb-api',
      'Service/sb-edge',
      'Service/sb-presence',
    ]);
  });

  it('gives edges readiness on /readyz, a grace period longer than the drain, and the pod name as NODE_ID', () => {
    const pod = find('Deployment', 'sb-edge').spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    const env = Object.fromEntries(container.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > Number(env.DRAIN_TIMEOUT_MS));
    assert.deepEqual(env.NODE_ID, { fieldRef: { fieldPath: 'metadata.name' } });
    assert.deepEqual(container.args, ['edge']);
    assert.equal(env.BUS_URL, 'nats://nats:4222');
    assert.equal(find('Deployment', 'sb-edge').spec.strategy.rollingUpdate.maxUnavailable, 0);
  });

  it('routes the ingress by path, sticky on sb_node with long timeouts', () => {
    const ingress = find('Ingress', 'sb');
    assert.equal(ingress.metadata.annotations['haproxy.org/cookie-persistence'], 'sb_node');
    assert.equal(ingress.metadata.annotations['haproxy.org/timeout-tunnel'], '3600s');
    assert.equal(find('Service', 'sb-edge').metadata.annotations['traefik.ingress.kubernetes.io/service.sticky.cookie.name'], 'sb_node');
    const routes = Object.fromEntries(ingress.spec.rules[0].http.paths.map((p: Obj) => [p.path, p.backend.service.name]));
    assert.deepEqual(routes, { '/v1/presence': 'sb-presence', '/v1/publish': 'sb-api', '/v1/topics': 'sb-api', '/': 'sb-edge' });
  });

  it('takes secrets by reference only when configured', () => {
    const none = find('Deployment', 'sb-api').spec.template.spec.containers[0].env.map((e: Obj) => e.name);
    assert.ok(!none.includes('API_KEYS'));
    const withKeys = renderChart(`${ROOT}helm/switchboard`, 'sb', { apiKeys: { secretName: 'sb-keys' } });
    const api = withKeys.objects.find((o) => o.kind === 'Deployment' && (o.metadata as Obj).name === 'sb-api') as Obj;
    const keys = api.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'API_KEYS');
    assert.deepEqual(keys.valueFrom, { secretKeyRef: { name: 'sb-keys', key: 'API_KEYS' } });
  });
});

describe('deploy/haproxy.cfg and docker-compose.yml', () => {
  it('is a valid HAProxy configuration, sticky on sb_node with /readyz checks', () => {
    const out = execFileSync('haproxy', ['-c', '-f', `${ROOT}deploy/haproxy.cfg`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, /Configuration file is valid/);
    const cfg = readFileSync(`${ROOT}deploy/haproxy.cfg`, 'utf8');
    for (const line of ['cookie sb_node', 'balance leastconn', 'option httpchk GET /readyz', 'timeout tunnel 1h'])
      assert.ok(cfg.includes(line), line);
  });

  it('composes nats, redis, 3 edges, api, presence and haproxy with distinct NODE_IDs', () => {
    const compose = parse(readFileSync(`${ROOT}docker-compose.yml`, 'utf8'), { merge: true }) as Obj;
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'edge-1', 'edge-2', 'edge-3', 'haproxy', 'nats', 'presence', 'redis']);
    const ids = ['edge-1', 'edge-2', 'edge-3'].map((n) => compose.services[n].environment.NODE_ID);
    assert.deepEqual(ids, ['edge-1', 'edge-2', 'edge-3']);
    const cfg = readFileSync(`${ROOT}deploy/haproxy.cfg`, 'utf8');
    for (const id of ids) assert.ok(cfg.includes(`cookie ${id} check`), `haproxy maps the ${id} cookie`);
  });
});
