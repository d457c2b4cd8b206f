// Every `@example` of @weft/progressive's public API: each example's code is a verbatim part of
// this file and its imports are this file's imports (api-examples.test.ts checks both). `decide`
// runs on a first tick; running `canaryController` needs a cluster with Deployments that become
// ready and a Prometheus, so that example sits in a function that is type-checked but not called
// (the `cluster` suites of @weft/progressive run the controller for real).
import { canaryController, decide, type Canary } from '@weft/progressive';
import { Manager } from '@weft/reconcile-core';
import { describe, expect, it } from 'vitest';

const canary: Canary = {
  apiVersion: 'progressive.weft.dev/v1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    service: { port: 80 },
    analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }] },
  },
};

/** The controller, run as a user runs it: type-checked, not called (see the top). */
export async function runTheController(kubeConfig: ConstructorParameters<typeof Manager>[0]['kubeConfig'], signal: AbortSignal): Promise<void> {
  const manager = new Manager({ kubeConfig, leaderElection: { name: 'weft-progressive' } });
  manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer: 'http://prometheus:9090' }));
  await manager.start({ signal });
}

describe('the @examples of @weft/progressive, run', () => {
  it('decide: the first tick of a new Canary creates the services and the primary, then waits for it', () => {
    const ready = { ready: true } as const;
    const input = { canary, provider: 'gatewayapi:v1', target: { revision: 'rev-1', trackedConfigs: {}, readiness: ready }, primary: 'missing', routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false }, now: new Date('2026-01-01T00:00:00Z') } as const;
    const { actions, status } = decide(input, (check) => (check.kind === 'webhook' ? { ok: true } : { kind: 'value', value: 99 }));
    expect(actions.map((action) => action.type)).toEqual(['initializeServices', 'createPrimary', 'event']);
    expect(actions[2]).toMatchObject({ reason: 'PrimaryNotReady', message: 'web-primary.shop not ready: deployment web-primary not found' });
    expect(status.phase).toBeUndefined(); // it waits for the primary before it says Initializing
  });
});
