// Flux's source-controller and kustomize-controller (built from their Go modules by
// tools/flux/build.sh), run out of cluster against a control plane: each a child process with the
// kubeconfig, source-controller's artifact server on loopback (`--storage-adv-addr`), leader
// election off (Flux's default), logs to files. Used by test/flux-fidelity (Flux beside Weft on the
// same revisions) and bench/gitops-scale (Flux as the baseline, with its peak RSS and CPU time).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CustomResourceDefinition, type KubeClient, installCRDs } from '@weft/reconcile-core';
import { eventually, freePorts } from '@weft/testkit';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildScript = join(root, 'tools', 'flux', 'build.sh');

/** The two controllers, in the order they start (kustomize-controller fetches source-controller's artifacts). */
export const fluxControllers = ['source-controller', 'kustomize-controller'] as const;
export type FluxController = (typeof fluxControllers)[number];

/** Flux's API groups, as the controllers' CRDs serve them. */
export const FluxGitRepositoryKind = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository' } as const;
export const FluxKustomizationKind = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' } as const;

/**
 * Builds (or reuses) Flux's controllers through tools/flux/build.sh and returns the directory
 * holding `source-controller`, `kustomize-controller` and `crds/`.
 *
 * @throws Error naming the build script when Go is missing or the build fails (its log is on stderr).
 */
export function fluxBinaries(): string {
  try {
    execFileSync('bash', [buildScript], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    throw new Error(`${buildScript} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return execFileSync('bash', [buildScript, '--print-dir'], { cwd: root, encoding: 'utf8' }).trim();
}

/** The Flux release the binaries are (the controllers' module version, e.g. `v1.9.6`). */
export function fluxVersion(binDir: string): string {
  return /flux-(v[^/]+)$/.exec(binDir)?.[1] ?? 'unknown';
}

/** Applies Flux's CRDs (the modules' config/crd/bases, copied beside the binaries) and waits until they are served. */
export async function installFluxCrds(client: KubeClient, binDir: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  const dir = join(binDir, 'crds');
  const crds = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document) => document.toJS() as CustomResourceDefinition | null))
    .filter((crd): crd is CustomResourceDefinition => crd !== null);
  await installCRDs(client, crds, { fieldManager: 'flux-fidelity', ...(options.signal ? { signal: options.signal } : {}) });
}

export interface FluxOptions {
  /** From {@link fluxBinaries}. */
  binDir: string;
  kubeconfigPath: string;
  /** Artifact storage and the controllers' logs go here. */
  workDir: string;
  /** kustomize-controller's `--concurrent` (Flux's default 4). */
  concurrency?: number;
  /** source-controller's `--concurrent` (Flux's default 2). */
  sourceConcurrency?: number;
  /** `--requeue-dependency` of both (Flux's default 30s). */
  requeueDependency?: string;
  /** Watch only this namespace (`--watch-all-namespaces=false` with `RUNTIME_NAMESPACE`); default all. */
  watchNamespace?: string;
  /** `--log-level` (Flux's default info). */
  logLevel?: 'debug' | 'info' | 'error';
  /** More flags, per controller. */
  args?: Partial<Record<FluxController, readonly string[]>>;
}

/** What one controller process used. */
export interface FluxProcessFigures {
  /** The kernel's high-water mark of the process's RSS (`VmHWM`). */
  peakRssKb: number;
  userMs: number;
  systemMs: number;
}

export interface RunningFlux {
  /** Wall clock (ms since the epoch) just before the first controller was spawned. */
  spawnedAt: number;
  /** Wall clock when both answered `/readyz`. */
  readyAt: number;
  /** source-controller's artifact server, `host:port` on loopback. */
  storageAddress: string;
  /** The last lines of a controller's log. */
  logTail(controller: FluxController, lines?: number): string;
  /** SIGTERM to both, waits for them to exit (SIGKILL after 30 s) and returns what each used. */
  stop(): Promise<Record<FluxController, FluxProcessFigures>>;
}

/** Flux's controllers would not start: the message names the controller and quotes its log. */
export class FluxStartError extends Error {
  override readonly name = 'FluxStartError';
  constructor(
    readonly controller: FluxController,
    detail: string,
    readonly logTail: string,
  ) {
    super(`Flux ${controller} did not start: ${detail}\n${logTail}`);
  }
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function processFigures(pid: number): FluxProcessFigures {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { peakRssKb: hwm ? Number(hwm[1]) : 0, userMs: (Number(fields[11]) * 1000) / clockTicks, systemMs: (Number(fields[12]) * 1000) / clockTicks };
  } catch {
    return { peakRssKb: 0, userMs: 0, systemMs: 0 };
  }
}

async function readyz(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts source-controller, then kustomize-controller, and resolves once both answer `/readyz`.
 *
 * @throws {@link FluxStartError} when one exits or is not ready within 60 s (both are stopped then).
 */
export async function startFlux(options: FluxOptions): Promise<RunningFlux> {
  await mkdir(join(options.workDir, 'storage'), { recursive: true });
  const [storagePort, sourceHealth, sourceMetrics, kustomizeHealth, kustomizeMetrics] = (await freePorts(5)) as [number, number, number, number, number];
  const storageAddress = `127.0.0.1:${storagePort}`;
  const watch = options.watchNamespace ? ['--watch-all-namespaces=false'] : [];
  const common = [`--log-level=${options.logLevel ?? 'info'}`, '--log-encoding=json', ...watch, ...(options.requeueDependency ? [`--requeue-dependency=${options.requeueDependency}`] : [])];
  const argsOf: Record<FluxController, string[]> = {
    'source-controller': [
      `--storage-path=${join(options.workDir, 'storage')}`,
      `--storage-addr=${storageAddress}`,
      `--storage-adv-addr=${storageAddress}`,
      `--health-addr=127.0.0.1:${sourceHealth}`,
      `--metrics-addr=127.0.0.1:${sourceMetrics}`,
      ...(options.sourceConcurrency ? [`--concurrent=${options.sourceConcurrency}`] : []),
      ...common,
      ...(options.args?.['source-controller'] ?? []),
    ],
    'kustomize-controller': [
      `--health-addr=127.0.0.1:${kustomizeHealth}`,
      `--metrics-addr=127.0.0.1:${kustomizeMetrics}`,
      ...(options.concurrency ? [`--concurrent=${options.concurrency}`] : []),
      ...common,
      ...(options.args?.['kustomize-controller'] ?? []),
    ],
  };
  const healthPort: Record<FluxController, number> = { 'source-controller': sourceHealth, 'kustomize-controller': kustomizeHealth };
  const env = { ...process.env, KUBECONFIG: options.kubeconfigPath, ...(options.watchNamespace ? { RUNTIME_NAMESPACE: options.watchNamespace } : {}) };
  const children = new Map<FluxController, ChildProcess>();
  const exits = new Map<FluxController, Promise<number | null>>();
  const logPath = (controller: FluxController) => join(options.workDir, `${controller}.log`);
  const logTail = (controller: FluxController, lines = 20) => {
    try {
      return readFileSync(logPath(controller), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const stop = async (): Promise<Record<FluxController, FluxProcessFigures>> => {
    const figures = {} as Record<FluxController, FluxProcessFigures>;
    // kustomize-controller first: it reads source-controller's artifacts.
    for (const controller of [...fluxControllers].reverse()) {
      const child = children.get(controller);
      if (!child) {
        figures[controller] = { peakRssKb: 0, userMs: 0, systemMs: 0 };
        continue;
      }
      figures[controller] = processFigures(child.pid!);
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exits.get(controller);
      clearTimeout(killer);
    }
    return figures;
  };

  const spawnedAt = Date.now();
  try {
    for (const controller of fluxControllers) {
      const log = createWriteStream(logPath(controller));
      const child = spawn(join(options.binDir, controller), argsOf[controller], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      children.set(controller, child);
      exits.set(controller, new Promise((resolve) => child.on('exit', (code) => resolve(code))));
    }
    const deadline = Date.now() + 60_000;
    for (const controller of fluxControllers) {
      let exited: number | null | undefined;
      void exits.get(controller)!.then((code) => (exited = code));
      // An exit ends the wait at once; a timeout is told with the controller's log.
      const answered = await eventually(`${controller} to answer /readyz`, async () => (exited !== undefined ? 'exited' : await readyz(healthPort[controller])), {
        timeoutMs: Math.max(0, deadline - Date.now()),
        intervalMs: 100,
      }).catch(() => {
        throw new FluxStartError(controller, 'not ready within 60 s', logTail(controller));
      });
      if (answered === 'exited') throw new FluxStartError(controller, `exited with code ${exited}`, logTail(controller));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { spawnedAt, readyAt: Date.now(), storageAddress, logTail, stop };
}
