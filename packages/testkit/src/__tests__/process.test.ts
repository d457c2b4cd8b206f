import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../control-plane/ports.js';
import { eventually } from '../eventually/eventually.js';
import { ManagedProcess } from '../control-plane/process.js';

describe('ManagedProcess', () => {
  it('keeps the tail of the output and the full log on disk', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'weft-proc-')), 'out.log');
    const proc = new ManagedProcess('printer', 'sh', ['-c', 'for i in $(seq 1 300); do echo line$i; done; echo oops >&2'], log);
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.tail(2).split('\n')).toEqual(expect.arrayContaining(['line300', 'oops']));
    expect(proc.tail(1000).split('\n')).not.toContain('line1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readFileSync(log, 'utf8')).toContain('line1\n');
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'weft-proc-')), 'out.log');
    const proc = new ManagedProcess('stubborn', 'sh', ['-c', "trap '' TERM; echo ready; while true; do sleep 0.05; done"], log);
    await eventually('the process to print "ready"', () => {
      if (!proc.tail().includes('ready')) throw new Error(`its output so far: ${JSON.stringify(proc.tail())}`);
      return true;
    }, { timeoutMs: 10_000, intervalMs: 10 });
    const exit = await proc.stop(200);
    expect(exit.signal).toBe('SIGKILL');
  });

  it('runs in the given directory and environment, and kill() sends the signal asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-proc-'));
    const proc = new ManagedProcess('sleeper', 'sh', ['-c', 'echo "$PWD $GREETING"; exec sleep 30'], join(dir, 'out.log'), { cwd: dir, env: { PATH: process.env['PATH'], GREETING: 'hello' } });
    await eventually('the process to print "hello"', () => {
      if (!proc.tail().includes('hello')) throw new Error(`its output so far: ${JSON.stringify(proc.tail())}`);
      return true;
    }, { timeoutMs: 10_000, intervalMs: 10 });
    expect(proc.tail()).toBe(`${dir} hello`);
    expect(proc.pid).toBeGreaterThan(0);
    proc.kill('SIGKILL');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a command that cannot start as exited', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'weft-proc-')), 'out.log');
    const proc = new ManagedProcess('ghost', '/nonexistent/binary', [], log);
    await proc.exited;
    expect(proc.hasExited).toBe(true);
    expect(proc.tail()).toContain('failed to start /nonexistent/binary');
  });
});

describe('freePorts', () => {
  it('returns distinct bindable loopback ports', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });
});
