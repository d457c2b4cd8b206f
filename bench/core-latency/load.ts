// The load generator, in a process of its own (forked by main.ts): open loop, one merge PATCH every
// 1/rate seconds round robin over cm-0 … cm-<objects-1>, whatever the apiserver's answers do; notes
// each response's resourceVersion and the wall-clock time it arrived.
import { configMapsPath, cpuMs, httpsRequest, type LoadCommand, type LoadReply, rawClient, type Update, wallClock } from './protocol.ts';

const kubeconfigPath = process.env['BENCH_KUBECONFIG']!;
// Enough sockets for ~200 requests/s at a few hundred ms each; more would only add TLS handshakes
// to the apiserver's load when it falls behind.
const { base, options, agent } = await rawClient(kubeconfigPath, 64);

let counter = 0;
function patch(index: number): Promise<Update> {
  const body = JSON.stringify({ data: { n: String(++counter) } });
  const sentAt = wallClock();
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      new URL(`${configMapsPath}/cm-${index}`, base),
      { ...options, method: 'PATCH', headers: { ...options.headers, 'Content-Type': 'application/merge-patch+json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const respondedAt = wallClock();
          if (response.statusCode !== 200) return reject(new Error(`PATCH cm-${index}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`));
          const { resourceVersion } = (JSON.parse(text) as { metadata: { resourceVersion: string } }).metadata;
          resolve([index, Number(resourceVersion), sentAt, respondedAt]);
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function run(ratePerSecond: number, seconds: number, objects: number): Promise<LoadReply> {
  const updates: Update[] = [];
  const lateSendsMs: number[] = [];
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const cpuBefore = cpuMs();
  const total = Math.round(ratePerSecond * seconds);
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lateSendsMs.push(performance.now() - due);
    inFlight.push(
      patch(n % objects).then(
        (update) => void updates.push(update),
        (error: unknown) => {
          failed += 1;
          firstFailure ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { type: 'done', updates, failed, firstFailure, sendSeconds: (performance.now() - started) / 1000, lateSendsMs, cpuMs: cpuMs() - cpuBefore };
}

process.on('message', (command: LoadCommand) => {
  if (command.type === 'run') void run(command.ratePerSecond, command.seconds, command.objects).then((reply) => process.send!(reply));
  else if (command.type === 'stop') {
    agent.destroy();
    process.exit(0);
  }
});
process.send!({ type: 'ready' });
