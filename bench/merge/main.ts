// Benchmark of @weft/merge: 10,000 strategic merge patches and 10,000 server-side applies of a
// typical Deployment, each fed the previous result (as the apiserver would be), against the same
// operations sent as PATCH requests to a real kube-apiserver on loopback (round trip included).
//
//   pnpm bench merge        (MERGE_BENCH_OPS=<n> changes the 10,000)
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { applyStrategicMergePatch, MergeSchemaRegistry, serverSideApply, type JsonObject } from '@weft/merge';
import { startControlPlane, type ControlPlane } from '@weft/testkit';

const operations = Number(process.env['MERGE_BENCH_OPS'] ?? 10_000);
const namespace = 'bench-merge';
const name = 'web';

function deploymentConfig(step: number): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, tier: 'frontend' }, annotations: { 'weft.dev/revision': String(step % 2) } },
    spec: {
      replicas: 2 + (step % 2),
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name, tier: 'frontend' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `registry.example.com/web:${step % 2 === 0 ? '1.0.0' : '1.0.1'}`,
              ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'metrics' }],
              env: [{ name: 'MODE', value: 'production' }, { name: 'LOG_LEVEL', value: 'info' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            },
            { name: 'sidecar', image: 'registry.example.com/proxy:2.3', args: ['--port=15001'], ports: [{ containerPort: 15001 }] },
          ],
        },
      },
    },
  };
}

function strategicPatch(step: number): JsonObject {
  return {
    metadata: { labels: { 'weft.dev/step': String(step % 2) } },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'app', image: `registry.example.com/web:${step % 2 === 0 ? '2.0.0' : '2.0.1'}`, env: [{ name: 'FEATURE', value: String(step % 2) }] }],
        },
      },
    },
  };
}

function patchBody(step: number): JsonObject {
  return strategicPatch(step);
}

interface Client {
  send(method: string, path: string, body: JsonObject, contentType: string): Promise<JsonObject>;
}

async function clientFor(plane: ControlPlane): Promise<Client> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(plane.server);
  const tls: import('node:https').RequestOptions = {};
  await plane.kubeConfig.applyToHTTPSOptions(tls);
  return {
    send: (method, path, body, contentType) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = request(
          { ...tls, agent, hostname: base.hostname, port: base.port, path, method, headers: { ...(tls.headers ?? {}), 'Content-Type': contentType, Accept: 'application/json' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
              else resolve(JSON.parse(text) as JsonObject);
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
  };
}

function microsPerOp(start: number, count: number): number {
  return ((performance.now() - start) * 1000) / count;
}

async function main(): Promise<void> {
  const registry = MergeSchemaRegistry.builtin();

  // Weft: the engine alone, each operation on the previous result.
  let live = serverSideApply(undefined, deploymentConfig(0), { manager: 'bench', registry, now: '2026-01-01T00:00:00Z' }).object;
  for (let step = 0; step < 500; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
  let start = performance.now();
  for (let step = 0; step < operations; step++) live = applyStrategicMergePatch(live, patchBody(step), { registry });
  const weftPatch = microsPerOp(start, operations);

  for (let step = 0; step < 500; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
  start = performance.now();
  for (let step = 0; step < operations; step++) live = serverSideApply(live, deploymentConfig(step), { manager: 'bench', registry, force: true }).object;
  const weftApply = microsPerOp(start, operations);

  // Baseline: the same operations as PATCH requests to a real kube-apiserver on loopback.
  const plane = await startControlPlane();
  try {
    const client = await clientFor(plane);
    await client.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'application/json');
    const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
    const apply = (step: number): Promise<JsonObject> => client.send('PATCH', `${path}?fieldManager=bench&force=true`, deploymentConfig(step), 'application/apply-patch+yaml');
    const patch = (step: number): Promise<JsonObject> => client.send('PATCH', `${path}?fieldManager=patcher`, patchBody(step), 'application/strategic-merge-patch+json');
    await apply(0);
    for (let step = 0; step < 200; step++) await patch(step);
    start = performance.now();
    for (let step = 0; step < operations; step++) await patch(step);
    const basePatch = microsPerOp(start, operations);
    for (let step = 0; step < 200; step++) await apply(step);
    start = performance.now();
    for (let step = 0; step < operations; step++) await apply(step);
    const baseApply = microsPerOp(start, operations);

    const baseline = 'kube-apiserver PATCH round trip';
    const line = (label: string, weft: number, base: number): string =>
      `${label}: weft=${weft.toFixed(1)}us baseline=${base.toFixed(1)}us (${baseline}) ratio=${(weft / base).toFixed(4)}`;
    console.log(`${operations} operations each on a ${JSON.stringify(deploymentConfig(0)).length}-byte Deployment, each on the previous result`);
    console.log(line('merge strategic-merge-patch', weftPatch, basePatch));
    console.log(line('merge server-side-apply', weftApply, baseApply));
    console.log(line('merge', (weftPatch + weftApply) / 2, (basePatch + baseApply) / 2));
  } finally {
    await plane.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
