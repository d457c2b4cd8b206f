// bench/testkit: the in-memory API server against the real kube-apiserver (etcd + kube-apiserver
// v1.37.2, no controllers) on the same workload, through the same raw HTTP client:
// start-up, create 10,000 ConfigMaps, list them, 50 concurrent watchers receiving 1,000 updates.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { startApiServer, startControlPlane, type InMemoryApiServer } from '@weft/testkit';

type KubeConfig = InMemoryApiServer['kubeConfig'];

const objects = 10_000;
const concurrency = 16;
const watchers = 50;
const updates = 1_000;

interface Client {
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; text: string }>;
  stream(path: string, onLine: (line: string) => void): Promise<() => void>;
  close(): void;
}

function clientFor(kubeConfig: KubeConfig): Client {
  const server = new URL(kubeConfig.getCurrentCluster()!.server);
  const secure = server.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: concurrency }) : new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  const streamAgent = secure ? new HttpsAgent({ keepAlive: false, maxSockets: Infinity }) : new HttpAgent({ keepAlive: false, maxSockets: Infinity });
  const send = secure ? httpsRequest : httpRequest;
  const optionsFor = async (method: string, path: string, headers: Record<string, string>, viaAgent: HttpAgent | HttpsAgent): Promise<RequestOptions> => {
    const options: RequestOptions = { method, hostname: server.hostname, port: server.port, path, headers: { Accept: 'application/json', ...headers }, agent: viaAgent };
    await kubeConfig.applyToHTTPSOptions(options);
    options.agent = viaAgent;
    return options;
  };
  return {
    async call(method, path, body, contentType = 'application/json') {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const options = await optionsFor(method, path, payload === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) }, agent);
      return new Promise((resolve, reject) => {
        const request = send(options, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        });
        request.on('error', reject);
        if (payload !== undefined) request.write(payload);
        request.end();
      });
    },
    async stream(path, onLine) {
      const options = await optionsFor('GET', path, {}, streamAgent);
      return new Promise((resolve, reject) => {
        const request = send(options, (response) => {
          let buffer = '';
          response.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('utf8');
            let newline = buffer.indexOf('\n');
            while (newline >= 0) {
              onLine(buffer.slice(0, newline));
              buffer = buffer.slice(newline + 1);
              newline = buffer.indexOf('\n');
            }
          });
          response.on('error', () => undefined);
          resolve(() => request.destroy());
        });
        request.on('error', (error) => reject(error));
        request.end();
      });
    },
    close() {
      agent.destroy();
      streamAgent.destroy();
    },
  };
}

interface Figures {
  startupMs: number;
  createMs: number;
  listMs: number;
  watchMs: number;
}

async function expectStatus(promise: Promise<{ status: number; text: string }>, status: number, what: string): Promise<string> {
  const answer = await promise;
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.text;
}

async function workload(client: Client, startupMs: number): Promise<Figures> {
  const namespace = `bench-${Date.now().toString(36)}`;
  await expectStatus(client.call('POST', '/api/v1/namespaces', { metadata: { name: namespace } }), 201, 'namespace');
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;

  let next = 0;
  const createStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objects) {
        const index = next++;
        await expectStatus(client.call('POST', collection, { metadata: { name: `cm-${String(index).padStart(5, '0')}`, labels: { bench: 'testkit' } }, data: { index: String(index), payload: 'x'.repeat(64) } }), 201, 'create');
      }
    }),
  );
  const createMs = performance.now() - createStart;

  const listStart = performance.now();
  const rounds = 3;
  for (let round = 0; round < rounds; round += 1) {
    const text = await expectStatus(client.call('GET', `${collection}?labelSelector=bench%3Dtestkit`), 200, 'list');
    const count = (JSON.parse(text) as { items: unknown[] }).items.length;
    if (count !== objects) throw new Error(`list returned ${count} items, not ${objects}`);
  }
  const listMs = (performance.now() - listStart) / rounds;

  await expectStatus(client.call('POST', collection, { metadata: { name: 'watched' }, data: { step: '0' } }), 201, 'watched');
  const start = JSON.parse(await expectStatus(client.call('GET', `${collection}/watched`), 200, 'get')).metadata.resourceVersion as string;
  const received = new Array<number>(watchers).fill(0);
  let finish: () => void = () => undefined;
  const allReceived = new Promise<void>((resolve) => (finish = resolve));
  const stops = await Promise.all(
    Array.from({ length: watchers }, (_, watcher) =>
      client.stream(`${collection}?watch=true&fieldSelector=metadata.name%3Dwatched&resourceVersion=${start}`, (line) => {
        if (!line.startsWith('{"type":"MODIFIED"')) return;
        received[watcher]! += 1;
        if (received.every((count) => count >= updates)) finish();
      }),
    ),
  );
  const watchStart = performance.now();
  for (let step = 1; step <= updates; step += 1) {
    await expectStatus(client.call('PATCH', `${collection}/watched`, { data: { step: String(step) } }, 'application/merge-patch+json'), 200, 'update');
  }
  await allReceived;
  const watchMs = performance.now() - watchStart;
  for (const stop of stops) stop();
  return { startupMs, createMs, listMs, watchMs };
}

const format = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)}`;

async function main(): Promise<void> {
  // In-memory: median of five start-ups, the workload on the last.
  const startups: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const started = performance.now();
    const server = await startApiServer();
    startups.push(performance.now() - started);
    await server.stop();
  }
  startups.sort((a, b) => a - b);
  const memoryStart = performance.now();
  const memory = await startApiServer();
  const memoryStartup = performance.now() - memoryStart;
  const memoryClient = clientFor(memory.kubeConfig);
  const weft = await workload(memoryClient, startups[2] ?? memoryStartup);
  memoryClient.close();
  await memory.stop();

  const realStart = performance.now();
  const real = await startControlPlane();
  const realStartup = performance.now() - realStart;
  const realClient = clientFor(real.kubeConfig);
  let baseline: Figures;
  try {
    baseline = await workload(realClient, realStartup);
  } finally {
    realClient.close();
    await real.stop();
  }

  const rows: [string, keyof Figures][] = [
    ['start-up', 'startupMs'],
    [`list ${objects.toLocaleString('en-US')} ConfigMaps`, 'listMs'],
    [`${watchers} watchers x ${updates.toLocaleString('en-US')} updates`, 'watchMs'],
  ];
  for (const [label, key] of rows) {
    console.log(`${label}: weft=${format(weft[key])}ms baseline=${format(baseline[key])}ms (kube-apiserver) ratio=${(weft[key] / baseline[key]).toPrecision(3)}`);
  }
  console.log(`testkit: weft=${format(weft.createMs)}ms baseline=${format(baseline.createMs)}ms (kube-apiserver: create ${objects.toLocaleString('en-US')} ConfigMaps) ratio=${(weft.createMs / baseline.createMs).toFixed(3)}`);
}

await main();
