/**
 * The Canary reconciler on the real control plane, for what Flagger does not do or the side by
 * side test does not cover: the generated objects and tracked configs, the opt-ins (no data
 * pauses, retry after a rollback, abort, server-side-apply scaling that does not fight a GitOps
 * owner of spec.replicas), MetricTemplates (Prometheus and HTTP/JSON), webhook timeouts, the
 * ingress-nginx router's objects. Intervals are 2 s (`minInterval: 1s`): Weft is not held to
 * Flagger's 10 s floor here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortCanary, CanaryKind, canaryController, HTTPRouteKind, IngressKind, MetricTemplateKind, retryCanary, type Canary } from '@weft/progressive';
import { ConfigMapKind, createLogger, DeploymentKind, installCRDs, KubeClient, Manager, ServiceKind, type KubeObject } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKubeConfig, hasCluster, testNamespace } from '../support/cluster';
import { installGatewayApiCrds, missingOracle } from './flagger';
import { hasPrometheus, startPrometheus, type RunningPrometheus } from './prometheus';
import { release, webDeployment } from './scenarios';
import { startTrafficMetrics, type TrafficMetrics } from './traffic-metrics';
import { startWebhookServer, type WebhookServer } from './webhook-server';

const missing = hasCluster ? (missingOracle() ?? (hasPrometheus() ? undefined : "Debian's prometheus is not installed")) : undefined;
if (missing && process.env['CI'] === 'true') throw new Error(`CI=true requires: ${missing}`);

const suite = { 'weft.dev/suite': 'progressive-reconciler' };

describe.skipIf(!hasCluster || missing !== undefined)('progressive: the Canary reconciler on a real control plane', () => {
  let client: KubeClient;
  let traffic: TrafficMetrics;
  let prometheus: RunningPrometheus;
  let hooks: WebhookServer;
  let jsonMetrics: Server;
  let jsonValue: unknown = { data: { errorRate: 0.1 } };
  const events = new Map<string, string[]>();
  const stop = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(clusterKubeConfig());
    await Promise.all([installGatewayApiCrds(client), installCRDs(client, [CanaryKind, MetricTemplateKind])]);
    traffic = await startTrafficMetrics();
    prometheus = await startPrometheus([traffic.target]);
    hooks = await startWebhookServer();
    jsonMetrics = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jsonValue)));
    await new Promise<void>((resolve) => jsonMetrics.listen(0, '127.0.0.1', resolve));
    const recorder = { event: (object: KubeObject, _type: string, _reason: string, message: string) => void (events.get(object.metadata.namespace ?? '') ?? events.set(object.metadata.namespace ?? '', []).get(object.metadata.namespace ?? '')!).push(message) };
    const manager = new Manager({ kubeConfig: clusterKubeConfig(), logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s', recorder });
    manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer: prometheus.url, minInterval: '1s', controller: { labelSelector: 'weft.dev/suite=progressive-reconciler' } }));
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await prometheus?.stop();
    await hooks?.close();
    await traffic?.close();
    await new Promise((resolve) => jsonMetrics?.close(resolve));
    client?.close();
  });

  function canary(namespace: string, spec: Partial<Omit<Canary['spec'], 'analysis'>> & { analysis?: Record<string, unknown> }): KubeObject {
    return {
      apiVersion: 'progressive.weft.dev/v1',
      kind: 'Canary',
      metadata: { name: 'web', namespace, labels: suite },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        service: { port: 80, targetPort: 8080, gatewayRefs: [{ name: 'gateway' }] },
        ...spec,
        analysis: { interval: '2s', threshold: 2, stepWeight: 50, maxWeight: 50, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '30s' }], ...(spec.analysis ?? {}) },
      },
    } as KubeObject;
  }

  async function phaseOf(namespace: string): Promise<Canary['status']> {
    return (await client.get(CanaryKind, 'web', { namespace })).status;
  }

  /** The Canary's status once `test` holds; on a timeout, its last status and the namespace's last Events. */
  async function until(namespace: string, what: string, test: (status: NonNullable<Canary['status']>) => boolean, timeoutMs = 120_000): Promise<NonNullable<Canary['status']>> {
    return eventually(`${namespace}: ${what}`, async () => {
      const status = (await phaseOf(namespace)) ?? {};
      if (!test(status)) throw new Error(`status ${JSON.stringify({ phase: status.phase, w: status.canaryWeight, f: status.failedChecks })}`);
      return status;
    }, { timeoutMs, intervalMs: 250 }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${(events.get(namespace) ?? []).slice(-15).join('\n')}`, { cause: error });
    });
  }

  it.concurrent('generates the primary, the three Services, the HTTPRoute and -primary copies of tracked ConfigMaps, and promotes a good canary', async () => {
    const namespace = await testNamespace('pr-objects');
    traffic.set(namespace, 'web', 'good');
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace }, data: { greeting: 'hello' } } as KubeObject);
    const deployment = webDeployment(namespace) as KubeObject & { spec: { template: { spec: { containers: { envFrom?: unknown[] }[] } } } };
    deployment.spec.template.spec.containers[0]!.envFrom = [{ configMapRef: { name: 'web-config' } }];
    await client.create(deployment);
    await client.create(canary(namespace, {}));
    const initialized = await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    expect(Object.keys(initialized.trackedConfigs ?? {})).toEqual(['configmap/web-config']);
    const primary = await client.get(DeploymentKind, 'web-primary', { namespace });
    expect(primary.spec?.selector.matchLabels).toEqual({ app: 'web-primary' });
    expect(primary.spec?.template.spec?.containers[0]?.envFrom).toEqual([{ configMapRef: { name: 'web-config-primary' } }]);
    expect((await client.get(ConfigMapKind, 'web-config-primary', { namespace })).data).toEqual({ greeting: 'hello' });
    expect((await client.get(DeploymentKind, 'web', { namespace })).spec?.replicas).toBe(0);
    const services = await Promise.all(['web', 'web-primary', 'web-canary'].map((name) => client.get(ServiceKind, name, { namespace })));
    expect(services.map((service) => service.spec?.selector)).toEqual([{ app: 'web-primary' }, { app: 'web-primary' }, { app: 'web' }]);
    const route = await client.get(HTTPRouteKind, 'web', { namespace });
    expect(route.spec?.rules?.[0]?.backendRefs?.map((ref) => `${ref.name}=${ref.weight}`)).toEqual(['web-primary=100', 'web-canary=0']);

    // A change of the ConfigMap alone is a new revision; the promotion copies it.
    await client.patch(ConfigMapKind, 'web-config', { data: { greeting: 'bonjour' } }, { namespace, type: 'merge' });
    await until(namespace, 'Succeeded', (status) => status.phase === 'Succeeded');
    expect((await client.get(ConfigMapKind, 'web-config-primary', { namespace })).data).toEqual({ greeting: 'bonjour' });
  });

  it.concurrent('onInconclusive Pause: no data holds the analysis without failing; traffic lets it go on', async () => {
    const namespace = await testNamespace('pr-nodata');
    traffic.set(namespace, 'web', 'none');
    await client.create(webDeployment(namespace));
    await client.create(canary(namespace, { analysis: { onInconclusive: 'Pause', threshold: 1, stepWeight: 25, maxWeight: 50 } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    await release(client, namespace, 'v2');
    await until(namespace, 'weight 25', (status) => status.canaryWeight === 25);
    await sleep(8000); // four ticks with no data
    expect(await phaseOf(namespace)).toMatchObject({ phase: 'Progressing', canaryWeight: 25, failedChecks: 0 });
    expect((events.get(namespace) ?? []).some((message) => message.includes('onInconclusive is Pause'))).toBe(true);
    traffic.set(namespace, 'web', 'good');
    await until(namespace, 'Succeeded', (status) => status.phase === 'Succeeded');
  });

  it.concurrent('retry: a rolled-back revision is analysed again on request, without a template change', async () => {
    const namespace = await testNamespace('pr-retry');
    traffic.set(namespace, 'web', 'bad');
    await client.create(webDeployment(namespace));
    // A short rate window, so the bad traffic is out of it soon after the traffic turns good.
    await client.create(canary(namespace, { analysis: { metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '5s' }] } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    await release(client, namespace, 'v2');
    await until(namespace, 'Failed', (status) => status.phase === 'Failed');
    traffic.set(namespace, 'web', 'good');
    await sleep(7000);
    expect((await phaseOf(namespace))?.phase).toBe('Failed');
    await retryCanary(client, { namespace, name: 'web' });
    await until(namespace, 'Succeeded', (status) => status.phase === 'Succeeded');
    expect((await phaseOf(namespace))?.request).toBeUndefined();
    const primary = await client.get(DeploymentKind, 'web-primary', { namespace });
    expect(primary.spec?.template.spec?.containers[0]?.env).toEqual([{ name: 'VERSION', value: 'v2' }]);
  });

  it.concurrent('abort: rolls back at once, mid-analysis', async () => {
    const namespace = await testNamespace('pr-abort');
    traffic.set(namespace, 'web', 'good');
    await client.create(webDeployment(namespace));
    await client.create(canary(namespace, { analysis: { stepWeight: 10, maxWeight: 90 } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    await release(client, namespace, 'v2');
    await until(namespace, 'weight 10', (status) => (status.canaryWeight ?? 0) >= 10);
    await abortCanary(client, { namespace, name: 'web' });
    const failed = await until(namespace, 'Failed', (status) => status.phase === 'Failed', 30_000);
    expect(failed.lastRequest?.action).toBe('abort');
    const route = await client.get(HTTPRouteKind, 'web', { namespace });
    expect(route.spec?.rules?.[0]?.backendRefs?.map((ref) => ref.weight)).toEqual([100, 0]);
  });

  it.concurrent('targetScaling Apply: a GitOps owner of spec.replicas is reported, never overwritten', async () => {
    const namespace = await testNamespace('pr-gitops');
    traffic.set(namespace, 'web', 'good');
    // The "GitOps tool" owns spec.replicas through server-side apply, as Flux's kustomize-controller does.
    await client.apply(webDeployment(namespace), { fieldManager: 'kustomize-controller', force: true });
    await client.create(canary(namespace, { targetScaling: 'Apply' }));
    await sleep(8000);
    const target = await client.get(DeploymentKind, 'web', { namespace });
    expect(target.spec?.replicas).toBe(1);
    expect((events.get(namespace) ?? []).some((message) => message.includes('spec.replicas is owned by kustomize-controller'))).toBe(true);
    // Once git stops declaring replicas, the field is free and the Canary initialises.
    const withoutReplicas = webDeployment(namespace) as KubeObject & { spec: Record<string, unknown> };
    delete withoutReplicas.spec['replicas'];
    await client.apply(withoutReplicas, { fieldManager: 'kustomize-controller', force: true });
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized', 60_000);
    expect((await client.get(DeploymentKind, 'web', { namespace })).spec?.replicas).toBe(0);
  });

  it.concurrent('MetricTemplates: a Prometheus query and an HTTP/JSON provider with a JSONPath, templated with the Canary', async () => {
    const namespace = await testNamespace('pr-templates');
    traffic.set(namespace, 'web', 'good');
    const { port } = jsonMetrics.address() as AddressInfo;
    await client.create({ apiVersion: 'progressive.weft.dev/v1', kind: 'MetricTemplate', metadata: { name: 'errors', namespace }, spec: { provider: { type: 'prometheus', address: prometheus.url }, query: 'sum(rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}",status="500"}[{{ interval }}]))' } } as KubeObject);
    await client.create({ apiVersion: 'progressive.weft.dev/v1', kind: 'MetricTemplate', metadata: { name: 'json', namespace }, spec: { provider: { type: 'http', address: `http://127.0.0.1:${port}/stats?target={{ target }}` }, query: '$.data.errorRate' } } as KubeObject);
    await client.create(webDeployment(namespace));
    await client.create(canary(namespace, { analysis: { threshold: 1, metrics: [{ name: 'errors', templateRef: { name: 'errors' }, thresholdRange: { max: 0.5 }, interval: '30s' }, { name: 'json', templateRef: { name: 'json' }, thresholdRange: { max: 1 } }] } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    jsonValue = { data: { errorRate: 5 } };
    await release(client, namespace, 'v2');
    await until(namespace, 'Failed', (status) => status.phase === 'Failed');
    expect((events.get(namespace) ?? []).some((message) => message.includes('json 5 > 1'))).toBe(true);
    jsonValue = { data: { errorRate: 0.1 } };
  });

  it.concurrent('webhooks: a confirm-rollout gate that times out holds the release in Waiting; the payload is Flagger\'s; event webhooks hear every event', async () => {
    const namespace = await testNamespace('pr-hooks');
    traffic.set(namespace, 'web', 'good');
    hooks.set(`/${namespace}/approve`, 'slow');
    await client.create(webDeployment(namespace));
    await client.create(canary(namespace, { analysis: { webhooks: [{ name: 'approve', type: 'confirm-rollout', url: `${hooks.url}/${namespace}/approve`, timeout: '1s' }, { name: 'events', type: 'event', url: `${hooks.url}/${namespace}/events` }] } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    await release(client, namespace, 'v2');
    await until(namespace, 'Waiting', (status) => status.phase === 'Waiting');
    hooks.set(`/${namespace}/approve`, 'open');
    await until(namespace, 'Succeeded', (status) => status.phase === 'Succeeded');
    const call = hooks.calls.find((entry) => entry.path === `/${namespace}/approve`)!;
    expect(call.body).toMatchObject({ name: 'web', namespace, phase: 'Initialized' });
    expect(call.body.checksum).toMatch(/^[0-9a-f]{16}$/);
    // The event webhook hears every event, with Flagger's metadata keys.
    const events = hooks.calls.filter((entry) => entry.path === `/${namespace}/events`).map((entry) => entry.body.metadata ?? {});
    expect(events.some((metadata) => metadata['eventMessage']?.startsWith('New revision detected!') && metadata['eventType'] === 'Normal' && /^\d+$/.test(metadata['timestamp'] ?? ''))).toBe(true);
    expect(events.some((metadata) => metadata['eventMessage']?.startsWith('Promotion completed!'))).toBe(true);
  });

  it.concurrent('the ingress-nginx router: <ingress>-canary with canary annotations, weights in canary-weight', async () => {
    const namespace = await testNamespace('pr-nginx');
    traffic.set(namespace, 'web', 'good');
    await client.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace }, spec: { rules: [{ host: 'web.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } } as KubeObject);
    await client.create(webDeployment(namespace));
    // ingress-nginx's own metrics are not served here, so the analysis uses a webhook only.
    await client.create(canary(namespace, { provider: 'nginx', ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' }, analysis: { metrics: [], stepWeight: 50, maxWeight: 50, webhooks: [{ name: 'check', type: 'rollout', url: `${hooks.url}/${namespace}/check` }] } }));
    await until(namespace, 'Initialized', (status) => status.phase === 'Initialized');
    const created = await client.get(IngressKind, 'web-canary', { namespace });
    expect(created.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' });
    expect(JSON.stringify(created.spec)).toContain('"name":"web-canary"');
    await release(client, namespace, 'v2');
    await until(namespace, 'weight 50', (status) => status.canaryWeight === 50);
    expect((await client.get(IngressKind, 'web-canary', { namespace })).metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe('50');
    await until(namespace, 'Succeeded', (status) => status.phase === 'Succeeded');
    expect((await client.get(IngressKind, 'web-canary', { namespace })).metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe('0');
  });
});
