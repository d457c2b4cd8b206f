// Runs operator.ts in a child Node process (IPC) and samples its RSS from /proc. The child runs
// operator.ts bundled to one JavaScript file by esbuild, as an operator is deployed (compiled, no
// TypeScript loader in the process); BENCH_LOADER=tsx runs the sources through tsx instead (the
// CPU profile then names the source files).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from '../bundle.ts';
import type { OperatorMessage } from './operator';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

export interface OperatorOptions {
  kubeconfigPath: string;
  storageDir: string;
  namespace: string;
  /** Kustomizations reconciled at once. */
  concurrency: number;
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory. */
  cpuProfileDir?: string | undefined;
  /** `bundle` (default): esbuild bundles operator.ts into `workDir`; `tsx`: the tsx loader. */
  loader?: 'bundle' | 'tsx';
  /** Where the bundle is written. */
  workDir: string;
  /** Serve only this shard (the operator's `--shard-key`); absent: the one, unsharded operator. */
  shard?: string | undefined;
}

export interface OperatorFigures {
  spawnedAt: number;
  /** The larger of getrusage's maxRSS and the sampled peak. */
  peakRssKb: number;
  maxRssKb: number;
  sampledPeakKb: number;
  /** RSS when the manager started (Node, the tsx loader and the modules, before any reconcile). */
  startRssKb: number;
  userMs: number;
  systemMs: number;
  /** Each reconcile outcome as JSON, with the wall clock it arrived at. */
  outcomes: { at: number; outcome: unknown }[];
  error?: string;
  cpuProfile?: string;
}

export interface RunningOperator {
  /** Wall clock (ms since the epoch) just before the process was spawned. */
  spawnedAt: number;
  /** Wall clock (ms since the epoch) just before the manager started. */
  started: Promise<number>;
  /** Asks the operator to stop, waits for it to exit and returns what it measured. */
  stop(): Promise<OperatorFigures>;
}

function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // exited
  }
}

export function startOperator(options: OperatorOptions): RunningOperator {
  const entry = options.loader === 'tsx' ? ['--import', 'tsx', join(here, 'operator.ts')] : [bundleForNode(join(here, 'operator.ts'), options.workDir, 'operator')];
  const spawnedAt = Date.now();
  const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...profileArgs, ...entry], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      BENCH_KUBECONFIG: options.kubeconfigPath,
      BENCH_STORAGE_DIR: options.storageDir,
      BENCH_NAMESPACE: options.namespace,
      BENCH_CONCURRENCY: String(options.concurrency),
      BENCH_SHARD: options.shard ?? '',
    },
  });
  const outcomes: OperatorFigures['outcomes'] = [];
  let sampledPeakKb = 0;
  let startRssKb = 0;
  const sampler = setInterval(() => (sampledPeakKb = Math.max(sampledPeakKb, rssKb(child.pid!))), 100);
  let stopped: Extract<OperatorMessage, { type: 'stopped' }> | undefined;
  let resolveStarted!: (at: number) => void;
  let rejectStarted!: (error: Error) => void;
  const started = new Promise<number>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  child.on('message', (message: OperatorMessage) => {
    if (message.type === 'starting') {
      startRssKb = rssKb(child.pid!);
      resolveStarted(message.at);
    }
    else if (message.type === 'outcome') outcomes.push({ at: message.at, outcome: JSON.parse(message.outcome) as unknown });
    else stopped = message;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The `stopped` message may arrive after `exit`; the channel closes after it.
  const disconnected = new Promise<void>((resolve) => child.on('disconnect', resolve));
  void exited.then((code) => {
    clearInterval(sampler);
    rejectStarted(new Error(`operator exited (code ${code}) before it started`));
  });

  return {
    spawnedAt,
    started,
    async stop() {
      sampledPeakKb = Math.max(sampledPeakKb, rssKb(child.pid!));
      if (child.connected) child.send('stop');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      await disconnected;
      clearTimeout(killer);
      const profiles = options.cpuProfileDir ? readdirSync(options.cpuProfileDir).filter((file) => file.endsWith('.cpuprofile')).sort() : [];
      const maxRssKb = stopped?.maxRssKb ?? 0;
      return {
        spawnedAt,
        peakRssKb: Math.max(maxRssKb, sampledPeakKb),
        maxRssKb,
        sampledPeakKb,
        startRssKb,
        userMs: stopped?.userMs ?? 0,
        systemMs: stopped?.systemMs ?? 0,
        outcomes,
        ...(stopped?.error ? { error: stopped.error } : code !== 0 && !stopped ? { error: `operator exited with code ${code}` } : {}),
        ...(profiles.length > 0 ? { cpuProfile: join(options.cpuProfileDir!, profiles.at(-1)!) } : {}),
      };
    },
  };
}
