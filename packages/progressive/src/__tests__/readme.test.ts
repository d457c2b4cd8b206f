// The README's decide() example, run as written (with the Canary it refers to).
import { expect, it } from 'vitest';
import { decide, type Canary } from '../index.js';

const canary: Canary = {
  apiVersion: 'progressive.weft.dev/v1',
  kind: 'Canary',
  metadata: { name: 'web', namespace: 'apps' },
  spec: { targetRef: { kind: 'Deployment', name: 'web' }, service: { port: 80, gatewayRefs: [{ name: 'gateway' }] }, analysis: { interval: '1m', threshold: 5, stepWeight: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] } },
  status: { phase: 'Succeeded', lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-1', conditions: [] },
};

it("runs the README's decide() example", () => {
  const { status, actions } = decide(
    { canary, provider: 'gatewayapi:v1', target: { revision: 'rev-2', trackedConfigs: {}, readiness: { ready: true } }, primary: { ready: true }, routes: { primaryWeight: 100, canaryWeight: 0, mirrored: false }, now: new Date() },
    (check) => (check.kind === 'webhook' ? { ok: true } : { kind: 'value', value: 99.9 }),
  );
  expect(status.phase).toBe('Progressing');
  expect(actions.map((action) => action.type)).toEqual(['initializeServices', 'reconcileApexService', 'reconcileRoutes', 'event', 'scaleTargetFromZero', 'updateStatus']);
});
