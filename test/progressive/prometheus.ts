/**
 * Debian's `prometheus`, started per run on loopback, scraping the tests' metrics endpoint every
 * second. tools/setup.sh installs the package; with CI=true a missing binary fails the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePorts } from '@weft/testkit';

export const prometheusBinary = process.env['WEFT_PROMETHEUS'] ?? '/usr/bin/prometheus';

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether Debian's prometheus is installed here. */
export function hasPrometheus(): boolean {
  return existsSync(prometheusBinary);
}

/** Starts Prometheus scraping `targets` (host:port) every second; resolves when it is ready. */
export async function startPrometheus(targets: readonly string[]): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-prometheus-'));
  const [port] = await freePorts(1);
  const config = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', '  - job_name: traffic', '    static_configs:', `      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(prometheusBinary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  };
  // A probe error (not listening yet, or not ready) is "not yet"; an exit ends the wait at once.
  const started = await eventually(`prometheus to answer ${url}/-/ready`, async () => {
    if (child.exitCode !== null) return 'exited';
    const response = await fetch(`${url}/-/ready`);
    if (!response.ok) throw new Error(`/-/ready answered ${response.status}`);
    return 'ready';
  }, { timeoutMs: 30_000, intervalMs: 200 }).catch(async (error: unknown) => {
    await stop();
    throw new Error(`${(error as Error).message}; its log: ${log}`, { cause: error });
  });
  if (started === 'exited') throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
  return { url, stop };
}
