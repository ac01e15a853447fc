/**
 * helm/switchboard rendered (libs/testkit's renderer; no helm binary here) for the default
 * values and with every toggle on; every object validated against the Kubernetes, Gateway API
 * and Prometheus Operator schemas (the kubernetes-models packages); values.schema.json refusing
 * wrong types as `helm install` would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChartValuesError, renderChart } from '@switchboard/testkit';

const CHART = fileURLToPath(new URL('../../helm/switchboard', import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is untyped; the assertions check its shape.
type Obj = Record<string, any>;

/** Every toggle of values.yaml on (and the optional maps filled). */
export const EVERY_TOGGLE = {
  edge: { autoscaling: { enabled: true, connectionsPerPod: 50_000 } },
  api: { autoscaling: { enabled: true } },
  podDisruptionBudget: { enabled: true },
  gateway: { enabled: true },
  serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
  networkPolicy: { enabled: true },
  ingress: { tlsSecretName: 'sb-tls', annotations: { 'example.com/extra': 'yes' } },
  auth: { jwtSecretName: 'sb-auth' },
  apiKeys: { secretName: 'sb-keys' },
  // The PrometheusRule template (templates/prometheus-rule.yaml), where the chart has it.
  monitoring: { prometheusRule: { enabled: true } },
};

/** The models package that holds an apiVersion's schemas. */
function modelsFor(apiVersion: string): string {
  if (apiVersion.startsWith('gateway.networking.k8s.io/')) return `@kubernetes-models/gateway-api/${apiVersion}`;
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

/** Validates one rendered object against its kind's schema; throws with the schema's message. */
async function validate(object: Obj): Promise<void> {
  const models = (await import(modelsFor(object.apiVersion))) as Record<string, new (data: Obj) => { validate(): void }>;
  const Model = models[object.kind];
  assert.ok(Model, `no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const kinds = (objects: Obj[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

describe('helm/switchboard against the Kubernetes and Gateway API schemas', () => {
  for (const [name, overrides] of [
    ['default values', {}],
    ['every toggle on', EVERY_TOGGLE],
  ] as const) {
    it(`renders only valid objects with ${name}`, async () => {
      const { objects } = renderChart(CHART, 'sb', overrides);
      assert.ok(objects.length >= 7);
      for (const object of objects as Obj[]) {
        await validate(object).catch((err: Error) => {
          throw new Error(`${object.kind}/${object.metadata.name}: ${err.message}`);
        });
      }
    });
  }

  it('would catch an invalid object (the validation is not vacuous)', async () => {
    const { objects } = renderChart(CHART, 'sb', EVERY_TOGGLE);
    const route = structuredClone(objects.find((o) => o.kind === 'HTTPRoute')) as Obj;
    route.spec.rules[2].sessionPersistence.type = 'Sticky';
    await assert.rejects(validate(route), /sessionPersistence\/type/);
    const hpa = structuredClone(objects.find((o) => o.kind === 'HorizontalPodAutoscaler')) as Obj;
    hpa.spec.maxReplicas = 'many';
    await assert.rejects(validate(hpa), /maxReplicas/);
  });

  it('renders HPAs, PDBs, the HTTPRoute, ServiceMonitor and NetworkPolicy only when toggled on', () => {
    const defaults = kinds(renderChart(CHART, 'sb').objects as Obj[]);
    for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'HTTPRoute', 'ServiceMonitor', 'NetworkPolicy'])
      assert.ok(!defaults.some((k) => k.startsWith(`${kind}/`)), `${kind} is off by default`);
    const all = kinds(renderChart(CHART, 'sb', EVERY_TOGGLE).objects as Obj[]);
    for (const object of [
      'HorizontalPodAutoscaler/sb-edge',
      'HorizontalPodAutoscaler/sb-api',
      'PodDisruptionBudget/sb-edge',
      'PodDisruptionBudget/sb-api',
      'PodDisruptionBudget/sb-presence',
      'HTTPRoute/sb',
      'Ingress/sb',
      'ServiceMonitor/sb',
      'NetworkPolicy/sb',
    ])
      assert.ok(all.includes(object), object);
  });

  it('makes the HTTPRoute sticky on the sb_node cookie, edges without a request timeout', () => {
    const route = renderChart(CHART, 'sb', EVERY_TOGGLE).objects.find((o) => o.kind === 'HTTPRoute') as Obj;
    const edgeRule = route.spec.rules.find((r: Obj) => r.backendRefs[0].name === 'sb-edge');
    assert.deepEqual(edgeRule.sessionPersistence, { sessionName: 'sb_node', type: 'Cookie', cookieConfig: { lifetimeType: 'Session' } });
    assert.equal(edgeRule.timeouts.request, '0s');
  });

  it('scales edges on CPU, and on connections per pod when asked', () => {
    const hpa = (values: Obj) =>
      renderChart(CHART, 'sb', values).objects.find(
        (o) => o.kind === 'HorizontalPodAutoscaler' && (o.metadata as Obj).name === 'sb-edge',
      ) as Obj;
    assert.deepEqual(
      hpa({ edge: { autoscaling: { enabled: true } } }).spec.metrics.map((m: Obj) => m.type),
      ['Resource'],
    );
    const both = hpa(EVERY_TOGGLE).spec.metrics;
    assert.deepEqual(both[1].pods, {
      metric: { name: 'switchboard_edge_connections' },
      target: { type: 'AverageValue', averageValue: '50000' },
    });
  });

  it('autoscaled Deployments leave replicas to the HPA', () => {
    const { objects } = renderChart(CHART, 'sb', EVERY_TOGGLE);
    const deployment = (name: string) => objects.find((o) => o.kind === 'Deployment' && (o.metadata as Obj).name === name) as Obj;
    assert.equal(deployment('sb-edge').spec.replicas, undefined);
    assert.equal(deployment('sb-api').spec.replicas, undefined);
    assert.equal(deployment('sb-presence').spec.replicas, 2);
  });

  it('derives the edge grace period from preStop and the drain timings; pods are non-root, read-only, spread', () => {
    const values = { edge: { preStopSleepSeconds: 7, drainNoticeMs: 4000, drainTimeoutMs: 20_000, terminationMarginSeconds: 5 } };
    const edge = renderChart(CHART, 'sb', values).objects.find(
      (o) => o.kind === 'Deployment' && (o.metadata as Obj).name === 'sb-edge',
    ) as Obj;
    const pod = edge.spec.template.spec;
    assert.equal(pod.terminationGracePeriodSeconds, 7 + 24 + 5);
    const container = pod.containers[0];
    assert.deepEqual(container.lifecycle.preStop.exec.command, ['sleep', '7']);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(
      pod.topologySpreadConstraints.map((c: Obj) => c.topologyKey),
      ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'],
    );
  });
});

describe('helm/switchboard values.schema.json', () => {
  it('refuses a value of the wrong type, naming it', () => {
    assert.throws(
      () => renderChart(CHART, 'sb', { edge: { replicas: 'three' } }),
      (err: Error) => {
        assert.ok(err instanceof ChartValuesError);
        assert.match(err.message, /values\/edge\/replicas must be integer/);
        return true;
      },
    );
    assert.throws(() => renderChart(CHART, 'sb', { gateway: { enabled: 'yes' } }), /values\/gateway\/enabled must be boolean/);
    assert.throws(() => renderChart(CHART, 'sb', { bus: { url: 'http://nats:4222' } }), /values\/bus\/url must match pattern/);
    assert.throws(
      () => renderChart(CHART, 'sb', { edge: { autoscaling: { enabled: true, maxReplicas: '12' } } }),
      /maxReplicas must be integer/,
    );
  });

  it('accepts the defaults and every toggle on', () => {
    assert.doesNotThrow(() => renderChart(CHART, 'sb'));
    assert.doesNotThrow(() => renderChart(CHART, 'sb', EVERY_TOGGLE));
  });
});
