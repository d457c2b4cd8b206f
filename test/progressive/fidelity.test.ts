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
import { CanaryKind, canaryController, MetricTemplateKind } from '@weft/progressive';
import { createLogger, installCRDs, KubeClient, Manager } from '@weft/reconcile-core';
import { eventually } from '@weft/testkit';
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
  const weftEvents = new Map<string, string[]>();
  let running: Promise<void>;

  beforeAll(async () => {
    client = new KubeClient(clusterKubeConfig());
    kubeconfigDir = await mkdtemp(join(tmpdir(), 'weft-flagger-'));
    const kubeconfigPath = join(kubeconfigDir, 'kubeconfig');
    await writeFile(kubeconfigPath, inject('weftKubeconfig')!);
    await Promise.all([installGatewayApiCrds(client), installFlaggerCrds(client, kubeconfigPath), installCRDs(client, [CanaryKind, MetricTemplateKind])]);
    traffic = await startTrafficMetrics();
    prometheus = await startPrometheus([traffic.target]);
    hooks = await startWebhookServer();
    flagger = await startFlagger({ kubeconfigPath, meshProvider: 'gatewayapi:v1', metricsServer: prometheus.url });
    const recorder = { event: (object: { metadata: { namespace?: string } }, type: string, reason: string, message: string) => void (weftEvents.get(object.metadata.namespace ?? '') ?? weftEvents.set(object.metadata.namespace ?? '', []).get(object.metadata.namespace ?? '')!).push(`${new Date().toISOString().slice(11, 19)} ${type} ${reason}: ${message}`) };
    const manager = new Manager({ kubeConfig: clusterKubeConfig(), logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '5s', recorder });
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

  /** Waits until `recording` has what the scenario settles on; on a timeout, the message quotes what was recorded. */
  async function waitRecorded(recording: ReleaseRecording, what: string, done: () => boolean, deadline: number, intervalMs = 250): Promise<void> {
    await eventually(what, done, { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; recorded ${JSON.stringify(formatSteps(recording.statuses))}`, { cause: error });
    });
  }

  async function settle(recording: ReleaseRecording, scenario: Scenario, deadline: number): Promise<void> {
    const { settle } = scenario;
    if (settle === 'terminal') {
      await waitRecorded(recording, 'a terminal phase', () => terminal.includes(recording.latest()?.phase ?? ''), deadline);
    } else {
      await waitRecorded(recording, `phase ${settle.phase} for ${settle.forMs} ms`, () => recording.latest()?.phase === settle.phase && Date.now() - recording.since() >= settle.forMs, deadline);
    }
  }

  /** What each side said about a namespace: Weft's events, Flagger's log lines. */
  function story(namespace: string): string {
    const weft = weftEvents.get(namespace) ?? [];
    const flaggerLines = flagger.logs().split('\n').filter((line) => line.includes(`.${namespace}`)).map((line) => line.replace(/^.*"msg":"([^"]*)".*$/, '$1'));
    return [...weft, ...flaggerLines].slice(-25).join('\n');
  }

  async function runSide(scenario: Scenario, flavour: 'weft' | 'flagger'): Promise<ReleaseRecording & { namespace: string }> {
    const namespace = await testNamespace(`pg-${flavour.slice(0, 2)}-${scenario.name}`);
    traffic.set(namespace, 'web', scenario.traffic);
    for (const hook of scenario.hooks ?? []) hooks.set(`/${namespace}/${hook.name}`, hook.behaviour);
    await client.create(webDeployment(namespace));
    const recording = recordRelease(client, flavour === 'weft' ? CanaryKind : FlaggerCanaryKind, namespace, 'web', 'web');
    await client.create(canaryFor(scenario, namespace, hooks.url, flavour, flavour === 'weft' ? suiteLabel : {}));
    const deadline = Date.now() + 300_000;
    await waitRecorded(recording, `${flavour} ${scenario.name}: phase Initialized`, () => recording.latest()?.phase === 'Initialized', deadline);
    await release(client, namespace, 'v2');
    const again = scenario.releaseAgainAtWeight;
    if (again !== undefined) {
      await waitRecorded(recording, `${flavour} ${scenario.name}: weight ${again}`, () => (recording.latest()?.canaryWeight ?? 0) >= again, deadline, 100).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${story(namespace)}`, { cause: error });
      });
      await release(client, namespace, 'v3');
    }
    try {
      await settle(recording, scenario, deadline);
    } catch (error) {
      throw new Error(`${flavour} ${scenario.name}: ${(error as Error).message}\n${story(namespace)}`);
    }
    recording.stop();
    return Object.assign(recording, { namespace });
  }

  for (const scenario of scenarios) {
    it.concurrent(`${scenario.name}: Weft's status steps and HTTPRoute weights are Flagger's`, { timeout: 360_000 }, async () => {
      const [weft, reference] = await Promise.all([runSide(scenario, 'weft'), runSide(scenario, 'flagger')]);
      const flaggerSteps = formatSteps(reference.statuses);
      expect(formatSteps(weft.statuses), `Flagger recorded ${JSON.stringify(flaggerSteps)}\n--- weft ---\n${story(weft.namespace)}\n--- flagger ---\n${story(reference.namespace)}`).toEqual(flaggerSteps);
      expect(weft.routes).toEqual(reference.routes);
      expect(reference.latest()?.phase).toBe(scenario.ends);
      if (!scenario.provider) expect(reference.routes.length).toBeGreaterThan(1);
      console.info(`[progressive] ${scenario.name}: ${formatSteps(reference.statuses).join(' → ')}; routes ${reference.routes.join(' → ')}`);
    });
  }
});
