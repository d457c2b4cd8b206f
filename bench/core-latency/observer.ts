// One observer of the latency namespace's ConfigMaps, in a process of its own (forked by main.ts):
//   weft      Weft's controller; records when each reconcile starts (and, for the breakdown, when its
//             transport handed the watch event over).
//   baseline  client-node's makeInformer; records each add/update callback.
//   floor     a bare HTTPS watch: records when each event line's bytes arrived, reading nothing
//             but the line's name and resourceVersion. How late the apiserver itself delivers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import * as clientNode from '@kubernetes/client-node';
import { ConfigMapKind, controller, createLogger, done, type KubeObject, kubeTransport, type RawWatchEvent, type WatchTransport } from '@weft/reconcile-core';
import { configMapInformer } from '../core-coldstart/client-node.ts';
import { configMapsPath, cpuMs, httpsRequest, indexOf, namespace, type Observation, type ObserverCommand, type ObserverReply, rawClient, wallClock } from './protocol.ts';

const mode = process.argv[2] as 'weft' | 'baseline' | 'floor';
const kubeconfigPath = process.env['BENCH_KUBECONFIG']!;
const send = (reply: ObserverReply) => process.send!(reply);

const observations: Observation[] = [];
/** weft only: `index, resourceVersion, at` triples of watch events as the transport handed them over. */
const handedOver: number[] = [];
/** floor only: lines and bytes of the watch stream since the last collect. */
const stream = { lines: 0, bytes: 0 };
/** Why a watch ended or failed (each observer's own view), since the last collect. */
const interruptions: string[] = [];
let highest = 0;
const observe = (name: string, resourceVersion: number, at = wallClock()) => {
  observations.push([indexOf(name), resourceVersion, at]);
  if (resourceVersion > highest) highest = resourceVersion;
};
let stop: () => Promise<void> = async () => undefined;

if (mode === 'weft') {
  const kubeConfig = new clientNode.KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  // The controller's own transport, wrapped only to note when each watch event left it (parsed), so
  // the report can split Weft's latency into "apiserver + socket + parse" and "Weft's pipeline".
  const inner = kubeTransport(kubeConfig);
  const transport: WatchTransport & typeof inner = {
    ...inner,
    async *watch(request) {
      try {
        for await (const event of inner.watch(request) as AsyncIterable<RawWatchEvent>) {
          const metadata = (event.object['metadata'] ?? {}) as { name?: string; resourceVersion?: string };
          if (event.type === 'MODIFIED' && metadata.name) handedOver.push(indexOf(metadata.name), Number(metadata.resourceVersion), wallClock());
          else if (event.type === 'ERROR') interruptions.push(`ERROR event ${JSON.stringify(event.object).slice(0, 300)}`);
          yield event;
        }
        if (!request.signal.aborted) interruptions.push('watch closed by the apiserver; reconnecting');
      } catch (error) {
        if (!request.signal.aborted) interruptions.push(`watch failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      }
    },
  };
  const web = controller(ConfigMapKind, { namespace, concurrency: 16, logger: createLogger({ level: 'silent' }) }).reconcile(async (cm) => {
    observe(cm.metadata.name, Number(cm.metadata.resourceVersion));
    return done;
  });
  const subscription = web.run({ kubeConfig, transport }).subscribe();
  while (!web.store?.isReady) await new Promise((resolve) => setTimeout(resolve, 20));
  stop = async () => {
    subscription.unsubscribe();
    inner.close();
  };
} else if (mode === 'baseline') {
  const informer = await configMapInformer<KubeObject>(kubeconfigPath, namespace);
  const record = (cm: KubeObject) => observe(cm.metadata.name, Number(cm.metadata.resourceVersion));
  informer.on('add', record);
  informer.on('update', record);
  informer.on('error', (error) => interruptions.push(`informer error: ${String((error as unknown as Error)?.message ?? error)}`));
  await informer.start();
  stop = () => informer.stop();
} else if (mode === 'floor') {
  const { base, options, agent } = await rawClient(kubeconfigPath, 2);
  const get = (query: string) =>
    new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const request = httpsRequest(new URL(`${configMapsPath}?${query}`, base), { ...options, method: 'GET' }, resolve);
      request.on('error', reject);
      request.end();
    });
  // Start from the current resourceVersion, as an informer does after its list; when the apiserver
  // ends the watch, resume from the last resourceVersion seen (relist on 410), noting why it ended.
  const currentVersion = async () => {
    const listed = await get('limit=1');
    let body = '';
    for await (const chunk of listed) body += chunk;
    return (JSON.parse(body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  };
  let resourceVersion = await currentVersion();
  let response: import('node:http').IncomingMessage | undefined;
  let stopped = false;
  const nameMark = '"name":"';
  const versionMark = '"resourceVersion":"';
  const connect = async (): Promise<void> => {
    const opened = (response = await get(`watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=3600`));
    let pending = '';
    let gone = false;
    opened.setEncoding('utf8');
    opened.on('data', (chunk: string) => {
      const at = wallClock();
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
        stream.lines += 1;
        stream.bytes += line.length;
        if (line.startsWith('{"type":"ERROR"')) {
          interruptions.push(`ERROR event ${line.slice(0, 300)}`);
          gone ||= line.includes('"code":410');
          continue;
        }
        // The object's own metadata.name and metadata.resourceVersion come first in the line.
        const n = line.indexOf(nameMark) + nameMark.length;
        const v = line.indexOf(versionMark) + versionMark.length;
        resourceVersion = line.slice(v, line.indexOf('"', v));
        observe(line.slice(n, line.indexOf('"', n)), Number(resourceVersion), at);
      }
    });
    opened.on('error', (error) => interruptions.push(`stream error ${error.message}`));
    opened.on('close', () => {
      if (stopped) return;
      if (opened.statusCode !== 200) interruptions.push(`watch answered HTTP ${opened.statusCode}`);
      interruptions.push(`watch closed (${opened.complete ? 'response complete' : 'cut'}) at resourceVersion ${resourceVersion}; reconnecting`);
      void (async () => {
        if (gone || opened.statusCode !== 200) resourceVersion = await currentVersion();
        await connect();
      })().catch((error: unknown) => interruptions.push(`reconnect failed: ${String(error)}`));
    });
  };
  await connect();
  stop = async () => {
    stopped = true;
    response?.destroy();
    agent.destroy();
  };
} else {
  throw new Error(`observer: unknown mode ${String(mode)} (weft, baseline or floor)`);
}

// BENCH_PROFILE_TO: a V8 CPU profile of this process from here (start-up excluded) until stopped.
const profileTo = process.env['BENCH_PROFILE_TO'];
let profiler: Session | undefined;
if (profileTo) {
  profiler = new Session();
  profiler.connect();
  const post = promisify(profiler.post.bind(profiler)) as (method: string) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  const previousStop = stop;
  stop = async () => {
    await previousStop();
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    mkdirSync(dirname(profileTo), { recursive: true });
    writeFileSync(profileTo, JSON.stringify(profile));
  };
}

process.on('message', (command: ObserverCommand) => {
  if (command.type === 'highest') send({ type: 'highest', resourceVersion: highest });
  else if (command.type === 'collect') {
    send({ type: 'collected', observations: observations.splice(0), cpuMs: cpuMs(), maxRssMb: process.resourceUsage().maxRSS / 1024, extra: { handedOver: handedOver.splice(0), lineBytes: [stream.lines, stream.bytes] }, interruptions: interruptions.splice(0) });
    stream.lines = stream.bytes = 0;
  } else if (command.type === 'stop') void stop().finally(() => process.exit(0));
});
send({ type: 'ready' });
