import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a managed process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const keptLines = 200;
const running = new Set<ManagedProcess>();

// A test runner that dies must not leave etcd or kube-apiserver holding ports.
process.once('exit', () => {
  for (const child of running) child.killNow();
});

/** Where and how a {@link ManagedProcess} runs. */
export interface ManagedProcessOptions {
  /** Working directory. @defaultValue the test runner's */
  readonly cwd?: string;
  /** The whole environment. @defaultValue the test runner's */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A process a test starts and ends: a control-plane component, or a program under test (an
 * operator run as its users run it). Its output goes to a log file and to a ring of the last
 * lines, which start-up errors quote.
 *
 * @remarks
 * A process still running when the test runner exits is killed (`SIGKILL`), so no test leaves
 * one holding ports. {@link ManagedProcess.kill} sends any signal: `SIGKILL` is how a fault test
 * crashes a process with no chance to clean up.
 * @example
 * ```ts
 * import { ManagedProcess } from '@weft/testkit';
 *
 * const operator = new ManagedProcess('operator', process.execPath, ['main.js'], '/tmp/operator.log', { env: { ...process.env, LOG_LEVEL: 'info' } });
 * operator.kill('SIGKILL');
 * console.log(await operator.exited, operator.tail(5));
 * ```
 */
export class ManagedProcess {
  readonly name: string;
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly log: WriteStream;
  private exit: ProcessExit | undefined;

  constructor(name: string, command: string, args: readonly string[], logPath: string, options: ManagedProcessOptions = {}) {
    this.name = name;
    this.log = createWriteStream(logPath, { flags: 'a' });
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) });
    running.add(this);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this.log.write(chunk);
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.remember(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.remember(`failed to start ${command}: ${error.message}`);
        this.exit = { code: null, signal: null };
        running.delete(this);
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.log.end();
        resolve(this.exit);
      });
    });
  }

  private remember(line: string): void {
    this.lines.push(line);
    if (this.lines.length > keptLines) this.lines.shift();
  }

  /** Whether the process has ended (or never started). */
  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** The last `count` lines the process printed. */
  tail(count = 40): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Sends SIGTERM, and SIGKILL if the process is still alive after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const ended = await Promise.race([this.exited, sleep(graceMs).then(() => undefined)]);
    if (ended) return ended;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The operating system's process id (undefined when it never started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends `signal` (default `SIGKILL`) and returns at once; {@link ManagedProcess.exited} tells when it ended. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exit) this.child.kill(signal);
  }

  /** Synchronous SIGKILL, for process exit handlers. */
  killNow(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}
