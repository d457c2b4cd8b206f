// bench/drift: server-side apply of 1,000 objects (Deployments, Services, ConfigMaps) with Weft's
// applySet against `kubectl apply --server-side -f` on the same files, on the same real apiserver
// in the same run; then a drift scan of the 1,000 applied objects and the time to detect one edit.
// Services are headless: the test apiserver's service IP range holds far fewer than 4 × 333 addresses.
// Last line: `drift: weft=<ms>ms baseline=<ms>ms (kubectl apply --server-side) ratio=<weft/baseline>`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { KubeClient, type KubeObject } from '@weft/reconcile-core';
import { startControlPlane } from '@weft/testkit';
import { applySet, countChanges, diff, watchDrift, type DriftEvent } from '@weft/drift';

const run = promisify(execFile);
const total = 1_000;

function objectsFor(namespace: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let index = 0; objects.length < total; index++) {
    const app = `app-${index}`;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: app, namespace }, data: { index: String(index), mode: 'production' } });
    if (objects.length < total) objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace }, spec: { clusterIP: 'None', selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } });
    if (objects.length < total)
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, namespace, labels: { app } },
        spec: { replicas: 1, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] } } },
      });
  }
  return objects;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const controlPlane = await startControlPlane({ controllers: false });
const client = new KubeClient(controlPlane.kubeConfig);
const work = mkdtempSync(join(tmpdir(), 'weft-bench-drift-'));
const kubeconfigPath = join(work, 'kubeconfig');
writeFileSync(kubeconfigPath, controlPlane.kubeconfigYaml);
const kubectl = (args: string[]) => run(controlPlane.binaries.kubectl, ['--kubeconfig', kubeconfigPath, '--cache-dir', join(work, 'kubectl-cache'), ...args], { maxBuffer: 64 * 1024 * 1024 });

try {
  const rounds = 3;
  const weftTimes: number[] = [];
  const ungatedTimes: number[] = [];
  const kubectlTimes: number[] = [];
  let scanned: KubeObject[] = [];
  for (let round = 0; round < rounds; round++) {
    // Fresh namespaces each round, so both tools create all 1,000 objects.
    const weftNamespace = `bench-weft-${round}`;
    const ungatedNamespace = `bench-ungated-${round}`;
    const kubectlNamespace = `bench-kubectl-${round}`;
    await applySet(client, [weftNamespace, ungatedNamespace, kubectlNamespace].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as KubeObject));
    const file = join(work, `objects-${round}.yaml`);
    writeFileSync(file, objectsFor(kubectlNamespace).map((object) => stringify(object)).join('---\n'));
    const weftObjects = objectsFor(weftNamespace);

    // Alternate who goes first, so neither profits from a warmer apiserver.
    const runKubectl = async () => {
      const started = performance.now();
      await kubectl(['apply', '--server-side', '--field-manager=kubectl-bench', '-f', file]);
      kubectlTimes.push(performance.now() - started);
    };
    const runWeft = async () => {
      const started = performance.now();
      const result = await applySet(client, weftObjects, { concurrency: 32 });
      weftTimes.push(performance.now() - started);
      if (countChanges(result).created !== total) throw new Error(`weft created ${countChanges(result).created} of ${total}`);
    };
    const runUngated = async () => {
      const started = performance.now();
      await applySet(client, objectsFor(ungatedNamespace), { concurrency: 32, dryRunGate: false });
      ungatedTimes.push(performance.now() - started);
    };
    const order = [runKubectl, runWeft, runUngated];
    for (let step = 0; step < order.length; step++) await order[(step + round) % order.length]!();
    console.log(`round ${round + 1}: weft applySet ${weftTimes.at(-1)!.toFixed(0)} ms, weft applySet without the dry-run gate ${ungatedTimes.at(-1)!.toFixed(0)} ms, kubectl apply --server-side ${kubectlTimes.at(-1)!.toFixed(0)} ms (${total} objects each)`);
    scanned = weftObjects;
  }

  const reapplyStarted = performance.now();
  const reapplied = await applySet(client, scanned, { concurrency: 32 });
  const reapplyMs = performance.now() - reapplyStarted;
  const kubectlReapplyStarted = performance.now();
  await kubectl(['apply', '--server-side', '--field-manager=kubectl-bench', '-f', join(work, `objects-${rounds - 1}.yaml`)]);
  const kubectlReapplyMs = performance.now() - kubectlReapplyStarted;
  console.log(`re-apply of the same ${total} objects (all unchanged: ${countChanges(reapplied).unchanged === total}): weft ${reapplyMs.toFixed(0)} ms, kubectl apply --server-side ${kubectlReapplyMs.toFixed(0)} ms (ratio ${(reapplyMs / kubectlReapplyMs).toFixed(2)})`);

  const scanStarted = performance.now();
  const scan = await diff(client, scanned, { concurrency: 32 });
  const scanMs = performance.now() - scanStarted;
  console.log(`drift scan of ${total} objects: ${scanMs.toFixed(0)} ms (${scan.filter((entry) => entry.status === 'in-sync').length} in sync; target < 3000 ms)`);

  const events: DriftEvent[] = [];
  let resolveDrift: ((event: DriftEvent) => void) | undefined;
  const subscription = watchDrift(client, scanned, { mode: 'report', recordEvents: false, concurrency: 32 }).subscribe((event) => {
    events.push(event);
    if (event.type === 'drifted') resolveDrift?.(event);
  });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (events.some((event) => event.type === 'synced')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  const detections: number[] = [];
  for (let edit = 0; edit < 5; edit++) {
    const target = scanned[edit * 3]!; // a ConfigMap
    const detected = new Promise<DriftEvent>((resolve) => (resolveDrift = resolve));
    const edited = performance.now();
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: target.metadata.name, namespace: target.metadata.namespace }, data: { mode: `edited-${edit}` } } as KubeObject, { fieldManager: 'kubectl-edit', force: true });
    await detected;
    detections.push(performance.now() - edited);
  }
  subscription.unsubscribe();
  console.log(`time to detect one edit (watch, ${total} objects watched), 5 edits: median ${median(detections).toFixed(0)} ms, max ${Math.max(...detections).toFixed(0)} ms (target < 1000 ms)`);

  const weft = median(weftTimes);
  const baseline = median(kubectlTimes);
  console.log(`apply without the dry-run gate: weft median ${median(ungatedTimes).toFixed(0)} ms, ratio ${(median(ungatedTimes) / baseline).toFixed(2)} to kubectl`);
  console.log(`apply ratio target: <= 0.5 (weft median ${weft.toFixed(0)} ms of ${rounds} rounds, kubectl median ${baseline.toFixed(0)} ms; the gate dry-runs all ${total} objects before writing any)`);
  console.log(`drift: weft=${weft.toFixed(0)}ms baseline=${baseline.toFixed(0)}ms (kubectl apply --server-side) ratio=${(weft / baseline).toFixed(2)}`);
} finally {
  client.close();
  await controlPlane.stop();
  rmSync(work, { recursive: true, force: true });
}
