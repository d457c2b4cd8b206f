// Diagnostic, not part of `pnpm bench`: CPU per watch event of one consumer, against a local plain-HTTP
// fake apiserver that serves a 100-ConfigMap list and then a watch of BENCH_EVENTS MODIFIED lines at
// BENCH_EVENT_RATE per second (one line per write, as the real apiserver sends them).
//   pnpm exec tsx bench/core-latency/synthetic.ts weft|baseline|floor
// Prints the consumer's CPU ms per event and the delivery latency (line written → reconcile start).
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { promisify } from 'node:util';
import * as clientNode from '@kubernetes/client-node';
import { ConfigMapKind, controller, createLogger, done, type KubeObject } from '@weft/reconcile-core';
import { configMapInformer } from '../core-coldstart/client-node.ts';
import { cpuMs, namespace, wallClock } from './protocol.ts';

const mode = process.argv[2] ?? 'weft';
setTimeout(() => {
  console.error(`${mode}: no result within 120 s`);
  process.exit(1);
}, 120_000).unref();
const events = Number(process.env['BENCH_EVENTS'] ?? '10000');
const rate = Number(process.env['BENCH_EVENT_RATE'] ?? '1000');
const objects = 100;

const configMap = (i: number, resourceVersion: number) => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: {
    name: `cm-${i}`,
    namespace,
    uid: `0b0e3e6c-3f0c-4a8a-9b1e-${String(i).padStart(12, '0')}`,
    resourceVersion: String(resourceVersion),
    creationTimestamp: '2026-11-27T02:46:58Z',
    managedFields: [
      { manager: 'node', operation: 'Update', apiVersion: 'v1', time: '2026-11-27T02:47:01Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:n': {} } } },
    ],
  },
  data: { n: String(resourceVersion) },
});

const written = new Map<number, number>();
let finished: () => void;
const allSent = new Promise<void>((resolve) => (finished = resolve));
const server = createServer((request, response) => {
  const url = new URL(request.url!, 'http://x');
  if (url.searchParams.get('watch') !== '1' && url.searchParams.get('watch') !== 'true') {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '1000' }, items: Array.from({ length: objects }, (_, i) => configMap(i, 1000)) }));
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  let n = 0;
  const started = performance.now();
  const tick = () => {
    while (n < events && performance.now() >= started + (n * 1000) / rate) {
      const resourceVersion = 1001 + n;
      written.set(resourceVersion, wallClock());
      response.write(`${JSON.stringify({ type: 'MODIFIED', object: configMap(n % objects, resourceVersion) })}\n`);
      n += 1;
    }
    if (n < events) setTimeout(tick, 1);
    else finished();
  };
  setTimeout(tick, 200);
  request.on('close', () => (n = events));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const dir = mkdtempSync(join(tmpdir(), 'weft-synthetic-'));
const kubeconfigPath = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfigPath,
  JSON.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }], users: [{ name: 'u', user: {} }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }),
);

const seen: [number, number][] = [];
const note = (cm: KubeObject) => seen.push([Number(cm.metadata.resourceVersion), wallClock()]);
let stop: () => Promise<void>;
if (mode === 'weft') {
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const web = controller(ConfigMapKind, { kubeConfig, namespace, concurrency: 16, logger: createLogger({ level: process.env['BENCH_LOG'] ?? 'silent' }) }).reconcile(async (cm) => {
    note(cm);
    return done;
  });
  const subscription = web.subscribe({ error: (error: unknown) => console.error('controller failed', error) });
  stop = async () => subscription.unsubscribe();
} else if (mode === 'floor') {
  // The least a consumer can do: read the socket, split lines, read two fields.
  const { request } = await import('node:http');
  const response = await new Promise<import('node:http').IncomingMessage>((resolve) => request(`http://127.0.0.1:${port}/api/v1/namespaces/${namespace}/configmaps?watch=1`, resolve).end());
  let pending = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      const v = line.indexOf('"resourceVersion":"') + 19;
      seen.push([Number(line.slice(v, line.indexOf('"', v))), wallClock()]);
    }
  });
  stop = async () => void response.destroy();
} else {
  const informer = await configMapInformer<KubeObject>(kubeconfigPath, namespace);
  informer.on('update', note);
  await informer.start();
  stop = () => informer.stop();
}

const profile = process.env['BENCH_PROFILE_TO'];
const session = new Session();
session.connect();
const post = promisify(session.post.bind(session)) as (method: string) => Promise<{ profile?: unknown }>;
if (profile) {
  await post('Profiler.enable');
  await post('Profiler.start');
}
const cpuBefore = cpuMs();
const usageBefore = process.resourceUsage();
await allSent;
await new Promise((resolve) => setTimeout(resolve, 500));
const used = cpuMs() - cpuBefore;
const usageAfter = process.resourceUsage();
const split = `user ${((usageAfter.userCPUTime - usageBefore.userCPUTime) / events).toFixed(0)} µs, system ${((usageAfter.systemCPUTime - usageBefore.systemCPUTime) / events).toFixed(0)} µs, voluntary context switches ${((usageAfter.voluntaryContextSwitches - usageBefore.voluntaryContextSwitches) / events).toFixed(2)}/event`;
if (profile) writeFileSync(profile, JSON.stringify((await post('Profiler.stop')).profile));
await stop();
server.closeAllConnections();
server.close();

const delays = seen.filter(([resourceVersion]) => written.has(resourceVersion)).map(([resourceVersion, at]) => at - written.get(resourceVersion)!).sort((a, b) => a - b);
const at = (p: number) => (delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))] ?? NaN).toFixed(2);
console.log(`${mode}: ${events} events at ${rate}/s; ${delays.length} seen; CPU ${((used / events) * 1000).toFixed(0)} µs/event (${split}); write → callback p50=${at(50)}ms p99=${at(99)}ms`);
process.exit(0);
