// The README's samples, run as written: the Manager on testkit's in-memory API server, and the
// decide() example with the Canary it refers to. The last test checks that every TypeScript block
// of the README is part of this file.
import { readFileSync } from 'node:fs';
import { installCRDs, KubeClient, Manager } from '@weft/reconcile-core';
import { eventually, startApiServer } from '@weft/testkit';
import { describe, expect, it } from 'vitest';
import { canaryController, CanaryKind, decide, MetricTemplateKind, type Canary } from '../index.js';

type KubeConfig = ConstructorParameters<typeof KubeClient>[0];

const canary: Canary = {
  apiVersion: 'progressive.weft.dev/v1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { targetRef: { kind: 'Deployment', name: 'web' }, service: { port: 80, gatewayRefs: [{ name: 'gateway' }] }, analysis: { interval: '1m', threshold: 5, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] } },
  status: { phase: 'Succeeded', lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-1', conditions: [] },
};

/** The README's first sample, as a function of what it leaves to the reader. */
async function runTheController(kubeConfig: KubeConfig, signal: AbortSignal): Promise<void> {
  // README: manager
  // Or ship CanaryKind.crd and MetricTemplateKind.crd with your manifests; the Lease's namespace must exist.
  await installCRDs(new KubeClient(kubeConfig), [CanaryKind, MetricTemplateKind], { signal });
  const manager = new Manager({ kubeConfig, leaderElection: { name: 'weft-progressive', namespace: 'weft-system' } });
  manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer: 'http://prometheus.monitoring:9090' }));
  await manager.start({ signal });
  // end
}

it("runs the README's Manager sample: CRDs installed, the leader ticks a new Canary", async () => {
  await using server = await startApiServer();
  const client = new KubeClient(server.kubeConfig, { fieldManager: 'readme-test' });
  const stop = new AbortController();
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    const running = runTheController(server.kubeConfig, stop.signal);
    await eventually('the Canary CRD to be served', () => client.list(CanaryKind, { namespace: 'apps' }), { timeoutMs: 20_000 });
    const { status: _status, ...created } = canary;
    await client.create(created);
    // A new Canary is marked Initializing by the leader's first reconcile, whatever its provider.
    await eventually('the Canary to be Initializing', async () => (await client.get(CanaryKind, 'web', { namespace: 'apps' })).status?.phase === 'Initializing', { timeoutMs: 20_000 });
    stop.abort();
    await running;
  } finally {
    stop.abort();
    client.close();
  }
});

it("runs the README's decide() example", () => {
  // README: decide
  const { status, actions } = decide(
    { canary, provider: 'gatewayapi:v1', target: { revision: 'rev-2', trackedConfigs: {}, readiness: { ready: true } }, primary: { ready: true }, routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false }, now: new Date() },
    (check) => (check.kind === 'webhook' ? { ok: true } : { kind: 'value', value: 99.9 }),
  );
  // end
  expect(status.phase).toBe('Progressing');
  expect(actions.map((action) => action.type)).toEqual(['initializeServices', 'reconcileApexService', 'reconcileRoutes', 'event', 'scaleTargetFromZero', 'updateStatus']);
});

describe('README.md', () => {
  it('has no TypeScript sample whose code is not in this file', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const self = readFileSync(new URL(import.meta.url), 'utf8');
    const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();
    // Imports are this file's own (it imports from ../index.js); the code after them must be here.
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((match) => match[1]!.replace(/^import [\s\S]*?;\n/gm, '').split('\n// status.phase')[0]!);
    expect(blocks.length).toBe(2);
    for (const block of blocks) expect(normalize(self), block).toContain(normalize(block));
  });
});
