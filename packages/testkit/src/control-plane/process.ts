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

/**
 * One control-plane process: its output goes to a log file and to a ring of the
 * last lines, which start-up errors quote.
 */
export class ManagedProcess {
  readonly name: string;
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly log: WriteStream;
  private exit: ProcessExit | undefined;

  constructor(name: string, command: string, args: readonly string[], logPath: string) {
    this.name = name;
    this.log = createWriteStream(logPath, { flags: 'a' });
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

  /** Synchronous SIGKILL, for process exit handlers. */
  killNow(): void {
    if (!this.exit) this.child.kill('SIGKILL');
  }
}
