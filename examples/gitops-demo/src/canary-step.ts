/**
 * The canary step: a new revision of a `checkout` Deployment rolls out as a canary with
 * `@weft/progressive` — ingress-nginx canary weights 25 → 50, a success rate read from a JSON
 * endpoint the demo serves, promotion; then a bad revision whose success rate drops is rolled
 * back while the primary keeps the good one.
 *
 * Honest about where it runs: on the real control plane (`--real-cluster`) Pods really roll out on
 * kwok nodes. The in-memory server runs no controllers, so there the demo itself marks each
 * Deployment as rolled out (as the controller manager would report it) and says so. Either way the
 * metrics are the ones the demo gives: there is no real traffic.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { CanaryKind, canaryController, IngressKind, MetricTemplateKind, type Canary } from '@weft/progressive';
import { createLogger, DeploymentKind, EventRecorder, installCRDs, Manager, NamespaceKind, type KubeObject } from '@weft/reconcile-core';
import type { DemoContext, Step } from './steps.js';
import { waitUntil } from './wait-until.js';

const NAMESPACE = 'delivery';
const APP = 'checkout';
const FIELD_MANAGER = 'weft-demo';

/**
 * The manifest leaves `spec.replicas` out: the Canary scales the target (to zero between releases)
 * with `targetScaling: Apply`, and a manifest that declared replicas would own the field and be
 * fought over (flagger#1504); Weft reports that instead of fighting.
 */
function deployment(image: string): KubeObject {
  const labels = { app: APP };
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: APP, namespace: NAMESPACE, labels }, spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: APP, image, ports: [{ containerPort: 8080 }] }] } } } } as KubeObject;
}

/** In memory nothing rolls Deployments out: report each as the controller manager would, and say so. */
function standInRollouts(context: DemoContext, signal: AbortSignal): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      const list = await context.client.list(DeploymentKind, { namespace: NAMESPACE, signal }).catch(() => ({ items: [] }));
      for (const item of list.items) {
        const replicas = item.spec?.replicas ?? 1;
        const status = item.status ?? {};
        if (status.observedGeneration === item.metadata.generation && status.updatedReplicas === replicas && status.availableReplicas === replicas) continue;
        const rolledOut = { observedGeneration: item.metadata.generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] };
        await context.client.patchStatus(DeploymentKind, item.metadata.name, { status: rolledOut }, { namespace: NAMESPACE, type: 'merge', signal }).catch(() => undefined);
      }
      await delay(200, undefined, { signal }).catch(() => undefined);
    }
  })();
}

/** Waits until the Canary passes `test`, telling the timeline each change of its phase and weight. */
async function until(context: DemoContext, what: string, test: (canary: Canary) => boolean, signal: AbortSignal): Promise<Canary> {
  let last = '';
  return waitUntil(
    `Canary/${NAMESPACE}/${APP} ${what}`,
    async () => {
      const canary = await context.client.get(CanaryKind, APP, { namespace: NAMESPACE, signal });
      const status = canary.status ?? {};
      const line = `Canary/${NAMESPACE}/${APP} ${status.phase ?? '-'} weight ${status.canaryWeight ?? 0} failedChecks ${status.failedChecks ?? 0}`;
      if (line !== last) {
        const ingress = await context.client.get(IngressKind, `${APP}-canary`, { namespace: NAMESPACE, signal }).catch(() => undefined);
        const weight = ingress?.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight'];
        context.timeline.observed(weight === undefined ? line : `${line} (Ingress/${APP}-canary canary-weight ${weight})`);
        last = line;
      }
      if (!test(canary)) throw new Error(`last seen ${line}`);
      return canary;
    },
    signal,
  );
}

async function primaryImage(context: DemoContext, signal: AbortSignal): Promise<string | undefined> {
  const primary = await context.client.get(DeploymentKind, `${APP}-primary`, { namespace: NAMESPACE, signal });
  return primary.spec?.template.spec?.containers[0]?.image;
}

export const canaryRollout: Step = {
  title: 'a new revision rolls out as a canary, a bad one is rolled back',
  async run(context, signal) {
    const { client, timeline } = context;
    let successRate = 99.9;
    const metrics = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ successRate })));
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
    const stop = new AbortController();
    const stopAll = AbortSignal.any([signal, stop.signal]);
    let running: Promise<void> | undefined;
    let standIn: Promise<void> | undefined;
    let recorder: EventRecorder | undefined;
    try {
      await installCRDs(client, [CanaryKind, MetricTemplateKind], { signal });
      // Events on the Canary, as Flagger records them (the web view's timeline and chart read them).
      recorder = new EventRecorder(client, { reportingController: 'weft.dev/progressive', onError: () => undefined });
      const manager = new Manager({ kubeConfig: context.cluster.kubeConfig, logger: createLogger({ level: 'fatal' }), handleSignals: false, gracefulShutdownTimeout: '2s', recorder });
      // A 1 s analysis interval keeps the demo short; Flagger's (and Weft's default) floor is 10 s.
      manager.add(canaryController({ defaultProvider: 'nginx', minInterval: '500ms', controller: { namespace: NAMESPACE } }));
      running = manager.start({ signal: stopAll });
      timeline.action(`started @weft/progressive's Canary controller (ingress-nginx router) in this process`);
      if (!context.cluster.rollsOutDeployments) {
        standIn = standInRollouts(context, stopAll);
        timeline.action('in memory nothing runs Pods: the demo marks each Deployment in delivery/ as rolled out, as the controller manager would');
      }
      const { port } = metrics.address() as AddressInfo;
      await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } } as KubeObject, { kind: NamespaceKind, fieldManager: FIELD_MANAGER, signal });
      await client.apply(deployment('checkout:1.0'), { fieldManager: FIELD_MANAGER, signal });
      await client.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: APP, namespace: NAMESPACE }, spec: { rules: [{ host: 'checkout.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: APP, port: { number: 80 } } } }] } }] } } as KubeObject, { fieldManager: FIELD_MANAGER, signal });
      await client.apply({ apiVersion: 'progressive.weft.dev/v1', kind: 'MetricTemplate', metadata: { name: 'success-rate', namespace: NAMESPACE }, spec: { provider: { type: 'http', address: `http://127.0.0.1:${port}/stats?app={{ target }}` }, query: '$.successRate' } } as KubeObject, { fieldManager: FIELD_MANAGER, signal });
      await client.apply(
        {
          apiVersion: 'progressive.weft.dev/v1',
          kind: 'Canary',
          metadata: { name: APP, namespace: NAMESPACE },
          spec: {
            provider: 'nginx',
            targetScaling: 'Apply',
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP },
            ingressRef: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: APP },
            service: { port: 80, targetPort: 8080 },
            analysis: { interval: '1s', threshold: 2, stepWeight: 25, maxWeight: 50, metrics: [{ name: 'success-rate', templateRef: { name: 'success-rate' }, thresholdRange: { min: 99 } }] },
          },
        } as KubeObject,
        { fieldManager: FIELD_MANAGER, signal },
      );
      timeline.action(`applied Deployment/${NAMESPACE}/${APP} (checkout:1.0), Ingress/${APP}, MetricTemplate/success-rate (JSON from the demo, $.successRate), Canary/${APP}: step 25 up to 50, rollback after 2 failed checks, replicas left to the Canary (targetScaling: Apply)`);
      await until(context, 'Initialized', (canary) => canary.status?.phase === 'Initialized', signal);
      timeline.ok(`Canary initialised: ${APP}-primary runs ${await primaryImage(context, signal)}, Services ${APP}, ${APP}-primary, ${APP}-canary, Ingress/${APP}-canary at weight 0`);

      timeline.action(`release checkout:1.1 (the metrics say ${successRate}% success)`);
      await client.apply(deployment('checkout:1.1'), { fieldManager: FIELD_MANAGER, signal });
      await until(context, 'Succeeded', (canary) => canary.status?.phase === 'Succeeded', signal);
      const promoted = await primaryImage(context, signal);
      if (promoted !== 'checkout:1.1') throw new Error(`${APP}-primary runs ${promoted} after the promotion, not checkout:1.1`);
      timeline.ok(`checkout:1.1 promoted: ${APP}-primary runs it, the canary is scaled to zero`);

      successRate = 80;
      timeline.action(`release checkout:1.2 (the metrics now say ${successRate}% success)`);
      await client.apply(deployment('checkout:1.2'), { fieldManager: FIELD_MANAGER, signal });
      await until(context, 'Failed', (canary) => canary.status?.phase === 'Failed', signal);
      const kept = await primaryImage(context, signal);
      if (kept !== 'checkout:1.1') throw new Error(`${APP}-primary runs ${kept} after the rollback, not checkout:1.1`);
      timeline.ok(`checkout:1.2 rolled back after 2 failed checks: traffic back on ${APP}-primary, which still runs checkout:1.1`);
    } finally {
      stop.abort();
      await running?.catch(() => undefined);
      await standIn;
      await recorder?.close();
      await new Promise((resolve) => metrics.close(resolve));
    }
  },
};
