// The gitops operator in a process of its own, so the RSS measured is the operator's alone.
// Talks to main.ts over IPC: sends `starting` (wall clock just before manager.start), one
// `outcome` per reconcile (as JSON), and `stopped` with its own peak RSS and CPU time; stops on
// the `stop` message (or SIGTERM, which the Manager handles).
import { KubeConfig } from '@kubernetes/client-node';
import { createGitOpsManager } from '@weft/delivery';
import { createLogger } from '@weft/reconcile-core';
import { parseCliOptions } from '../../examples/gitops-operator/src/cli-options.ts';

export type OperatorMessage =
  | { type: 'starting'; at: number }
  | { type: 'outcome'; at: number; outcome: string }
  | { type: 'stopped'; maxRssKb: number; userMs: number; systemMs: number; error?: string };

const send = (message: OperatorMessage, then?: () => void) => process.send?.(message, undefined, {}, then);
const report = (error?: string, then?: () => void) => {
  const usage = process.resourceUsage();
  send({ type: 'stopped', maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, ...(error ? { error } : {}) }, then);
};
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(process.env['BENCH_KUBECONFIG']!);
const stop = new AbortController();
process.on('message', (message) => {
  if (message !== 'stop') return;
  stop.abort(new Error('benchmark done'));
  // A reconcile that hangs would hold the shutdown; report and exit anyway (the CPU profile is written on exit).
  setTimeout(() => {
    report('the manager did not stop within 10 s of the stop request (a reconcile still running)', () => process.exit(0));
  }, 10_000).unref();
});

/** Errors and other class instances flattened, so an outcome crosses IPC as plain JSON. */
const plain = (_key: string, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : typeof value === 'bigint' ? Number(value) : value);

const logger = createLogger({ level: process.env['BENCH_LOG_LEVEL'] ?? 'warn' });
const onOutcome = (outcome: unknown) => send({ type: 'outcome', at: Date.now(), outcome: JSON.stringify(outcome, plain) });
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? '4');
const storageDir = process.env['BENCH_STORAGE_DIR']!;
const namespace = process.env['BENCH_NAMESPACE']!;
// The operator's own flags, as a shard's Deployment passes them (election off: one process per shard here).
const flags = parseCliOptions([...(process.env['BENCH_SHARD'] ? ['--shard-key', process.env['BENCH_SHARD']] : []), '--no-leader-elect'], {});
const manager = createGitOpsManager({
  kubeConfig,
  storageDir,
  namespace,
  leaderElection: false,
  ...(flags.shard !== undefined ? { shard: flags.shard } : {}),
  kustomizationConcurrency: concurrency,
  gracefulShutdownTimeout: '5s',
  // Knobs for finding where the time goes; the benchmark's figure uses the operator's defaults.
  ...(process.env['BENCH_DRIFT_WATCH'] === '0' ? { driftWatch: false } : {}),
  ...(process.env['BENCH_EVENTS'] === '0' ? { events: false } : {}),
  logger,
  onOutcome,
});

send({ type: 'starting', at: Date.now() });
let error: string | undefined;
try {
  await manager.start({ signal: stop.signal });
} catch (cause) {
  if (!stop.signal.aborted) error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
report(error);
process.disconnect?.();
