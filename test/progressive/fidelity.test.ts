/**
 * Weft side by side with Flagger v1.44.0: the same releases, each in its own namespace, on the
 * same control plane (real kube-apiserver, controllers, kwok nodes), the same Prometheus and the
 * same webhook answers. Weft's sequence of (phase, canaryWeight, failedChecks, iterations) and
 * its HTTPRoute weights must be Flagger's, step by step.
 *
 * Analysis intervals are Flagger's minimum, 10 s; the six scenarios run at once, so the suite
 * takes about as long as the longest release (~2 minutes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CanaryKind, canaryController, MetricTemplateKind } from '@weft/progressive';
import { createLogger, installCRDs, KubeClient, Manager } from '@weft/reconcile-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clusterKubeConfig, hasCluster, testNamespace } from '../support/cluster';
import { installFlaggerCrds, installGatewayApiCrds, missingOracle, startFlagger, type RunningFlagger } from './flagger';
import { hasPrometheus, startPrometheus, type RunningPrometheus } from './prometheus';
import { FlaggerCanaryKind, formatSteps, recordRelease, type ReleaseRecording } from './release-recorder';
import { canaryFor, release, scenarios, webDeployment, type Scenario } from './scenarios';
import { startTrafficMetrics, type TrafficMetrics } from './traffic-metrics';
import { startWebhookServer, type WebhookServer } from './webhook-server';

const inCi = process.env['CI'] === 'true';
const missing = hasCluster ? (missingOracle() ?? (hasPrometheus() ? undefined : "Debian's prometheus is not installed (tools/setup.sh installs it)")) : undefined;
if (missing && inCi) throw new Error(`CI=true requires the side-by-side oracle: ${missing}`);
if (missing) console.warn(`[weft] progressive side-by-side tests skipped: ${missing}`);

const suiteLabel = { 'weft.dev/suite': 'progressive-fidelity' };
const terminal = ['Succeeded', 'Failed'];

describe.skipIf(!hasCluster || missing !== undefined)('progressive: side by side with Flagger v1.44.0', () => {
  let client: KubeClient;
  let traffic: TrafficMetrics;
  let prometheus: RunningPrometheus;
  let hooks: WebhookServer;
  let flagger: RunningFlagger;
  let kubeconfigDir: string;
  const stop = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(clusterKubeConfig());
    await Promise.all([installGatewayApiCrds(client), installFlaggerCrds(client), installCRDs(client, [CanaryKind, MetricTemplateKind])]);
    traffic = await startTrafficMetrics();
    prometheus = await startPrometheus([traffic.target]);
    hooks = await startWebhookServer();
    kubeconfigDir = await mkdtemp(join(tmpdir(), 'weft-flagger-'));
    const kubeconfigPath = join(kubeconfigDir, 'kubeconfig');
    await writeFile(kubeconfigPath, inject('weftKubeconfig')!);
    flagger = await startFlagger({ kubeconfigPath, meshProvider: 'gatewayapi:v1', metricsServer: prometheus.url });
    const manager = new Manager({ kubeConfig: clusterKubeConfig(), logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s' });
    manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer: prometheus.url, controller: { labelSelector: 'weft.dev/suite=progressive-fidelity' } }));
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await flagger?.stop();
    await prometheus?.stop();
    await hooks?.close();
    await traffic?.close();
    if (kubeconfigDir) await rm(kubeconfigDir, { recursive: true, force: true });
    client?.close();
  });

  async function settle(recording: ReleaseRecording, scenario: Scenario, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const latest = recording.latest();
      if (scenario.settle === 'terminal' && latest && terminal.includes(latest.phase)) return;
      if (scenario.settle !== 'terminal' && latest?.phase === scenario.settle.phase && Date.now() - recording.since() >= scenario.settle.forMs) return;
      await sleep(250);
    }
    throw new Error(`timed out; recorded ${JSON.stringify(formatSteps(recording.statuses))}`);
  }

  async function runSide(scenario: Scenario, flavour: 'weft' | 'flagger'): Promise<ReleaseRecording> {
    const namespace = await testNamespace(`pg-${flavour.slice(0, 2)}-${scenario.name}`);
    traffic.set(namespace, 'web', scenario.traffic);
    for (const hook of scenario.hooks ?? []) hooks.set(`/${namespace}/${hook.name}`, hook.behaviour);
    await client.create(webDeployment(namespace));
    const recording = recordRelease(client, flavour === 'weft' ? CanaryKind : FlaggerCanaryKind, namespace, 'web', 'web');
    await client.create(canaryFor(scenario, namespace, hooks.url, flavour, flavour === 'weft' ? suiteLabel : {}));
    const deadline = Date.now() + 300_000;
    while (recording.latest()?.phase !== 'Initialized') {
      if (Date.now() > deadline) throw new Error(`${flavour} ${scenario.name}: not Initialized: ${JSON.stringify(formatSteps(recording.statuses))}`);
      await sleep(250);
    }
    await release(client, namespace, 'v2');
    if (scenario.releaseAgainAtWeight !== undefined) {
      while ((recording.latest()?.canaryWeight ?? 0) < scenario.releaseAgainAtWeight) {
        if (Date.now() > deadline) throw new Error(`${flavour} ${scenario.name}: weight ${scenario.releaseAgainAtWeight} never reached`);
        await sleep(100);
      }
      await release(client, namespace, 'v3');
    }
    await settle(recording, scenario, deadline);
    recording.stop();
    return recording;
  }

  for (const scenario of scenarios) {
    it.concurrent(`${scenario.name}: Weft's status steps and HTTPRoute weights are Flagger's`, { timeout: 360_000 }, async () => {
      const [weft, reference] = await Promise.all([runSide(scenario, 'weft'), runSide(scenario, 'flagger')]);
      const flaggerSteps = formatSteps(reference.statuses);
      expect(formatSteps(weft.statuses), `Flagger recorded ${JSON.stringify(flaggerSteps)}`).toEqual(flaggerSteps);
      expect(weft.routes).toEqual(reference.routes);
    });
  }
});
