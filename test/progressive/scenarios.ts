/**
 * The releases run through Weft and Flagger alike: the same Deployment, the same Canary spec
 * (only the apiVersion differs), the same metrics and the same webhook answers, each side in its
 * own namespace.
 */
import { DeploymentKind, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import type { TrafficMode } from './traffic-metrics.js';
import type { HookBehaviour } from './webhook-server.js';

export interface Scenario {
  readonly name: string;
  readonly provider?: 'kubernetes';
  readonly analysis: Record<string, unknown>;
  /** Webhooks, by name and type; their URLs are the test server's `/<namespace>/<name>`. */
  readonly hooks?: readonly { name: string; type: string; behaviour: HookBehaviour }[];
  readonly traffic: TrafficMode;
  /** Release again when the canary weight first reaches this (a revision change mid-analysis). */
  readonly releaseAgainAtWeight?: number;
  /** Done at Succeeded / Failed, or after staying this long in a phase. */
  readonly settle: 'terminal' | { readonly phase: string; readonly forMs: number };
  /** The phase Flagger ends in: the scenario tests what it says it tests. */
  readonly ends: 'Succeeded' | 'Failed' | 'WaitingPromotion';
}

const successRate = { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '30s' };

export const scenarios: readonly Scenario[] = [
  { name: 'good', analysis: { stepWeight: 25, maxWeight: 50, threshold: 2, metrics: [successRate] }, hooks: [{ name: 'load', type: 'pre-rollout', behaviour: 'open' }, { name: 'notify', type: 'post-rollout', behaviour: 'open' }], traffic: 'good', settle: 'terminal', ends: 'Succeeded' },
  { name: 'bad', analysis: { stepWeight: 25, maxWeight: 50, threshold: 2, metrics: [successRate] }, traffic: 'bad', settle: 'terminal', ends: 'Failed' },
  { name: 'ab', analysis: { iterations: 2, threshold: 2, match: [{ headers: { 'x-canary': { exact: 'insider' } } }], metrics: [successRate] }, traffic: 'good', settle: 'terminal', ends: 'Succeeded' },
  { name: 'bluegreen', provider: 'kubernetes', analysis: { iterations: 2, threshold: 2, metrics: [successRate] }, traffic: 'good', settle: 'terminal', ends: 'Succeeded' },
  { name: 'restart', analysis: { stepWeight: 25, maxWeight: 50, threshold: 2, metrics: [successRate] }, traffic: 'good', releaseAgainAtWeight: 25, settle: 'terminal', ends: 'Succeeded' },
  { name: 'gate', analysis: { stepWeight: 50, maxWeight: 50, threshold: 2, metrics: [successRate] }, hooks: [{ name: 'gate', type: 'confirm-promotion', behaviour: 'closed' }], traffic: 'good', settle: { phase: 'WaitingPromotion', forMs: 25_000 }, ends: 'WaitingPromotion' },
];

export function webDeployment(namespace: string): KubeObject {
  const labels = { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'VERSION', value: 'v1' }] }] } },
    },
  } as KubeObject;
}

/** A new revision: the pod template's VERSION changes. */
export async function release(client: KubeClient, namespace: string, version: string): Promise<void> {
  await client.patch(DeploymentKind, 'web', { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'VERSION', value: version }] }] } } } }, { namespace, type: 'strategic' });
}

/** The Canary of a scenario, for Weft (`progressive.weft.dev/v1`) or Flagger (`flagger.app/v1beta1`). */
export function canaryFor(scenario: Scenario, namespace: string, hooksUrl: string, flavour: 'weft' | 'flagger', labels: Record<string, string> = {}): KubeObject {
  const webhooks = (scenario.hooks ?? []).map((hook) => ({ name: hook.name, type: hook.type, url: `${hooksUrl}/${namespace}/${hook.name}`, timeout: '5s' }));
  return {
    apiVersion: flavour === 'weft' ? 'progressive.weft.dev/v1' : 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'web', namespace, labels },
    spec: {
      ...(scenario.provider ? { provider: scenario.provider } : {}),
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      progressDeadlineSeconds: 120,
      service: { port: 80, targetPort: 8080, ...(scenario.provider ? {} : { gatewayRefs: [{ name: 'gateway', namespace }] }) },
      analysis: { interval: '10s', ...scenario.analysis, ...(webhooks.length > 0 ? { webhooks } : {}) },
    },
  } as KubeObject;
}
