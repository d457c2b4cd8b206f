import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Kustomization, KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { KubeClient, NamespaceKind } from '@weft/reconcile-core';
import { type InMemoryApiServer, eventually, startApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireWeftBinary } from './binary';

const run = promisify(execFile);
const ns = 'weft-system';

/**
 * `weft get --watch` and the progress line of `weft reconcile`, through the bundled binary: under a
 * real terminal (tmux; what the pane shows, escape codes included, with capture-pane) and through
 * pipes (plain lines, no escape codes). The in-memory API server stands in for the cluster, and the
 * test plays the controller, so every state change is the test's own.
 */
describe('weft under a terminal and without one', () => {
  let api: InMemoryApiServer;
  let client: KubeClient;
  let home: string;
  let bin: string;
  const sessions: string[] = [];

  beforeAll(async () => {
    bin = requireWeftBinary();
    api = await startApiServer();
    client = new KubeClient(api.kubeConfig);
    home = await mkdtemp(join(tmpdir(), 'weft-terminal-'));
    await installGitOpsCrds(api.kubeConfig, {});
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { kind: NamespaceKind });
    await kustomization('apps', 'True', 'Applied revision: main@sha1:aaaa');
  });

  afterAll(async () => {
    for (const session of sessions) await run('tmux', ['kill-session', '-t', session]).catch(() => undefined);
    client?.close();
    await api?.stop();
    await rm(home, { recursive: true, force: true });
  });

  async function kustomization(name: string, ready: 'True' | 'False' | 'Unknown', message: string) {
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name, namespace: ns }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, interval: '1h', prune: true } } as Kustomization).catch(() => undefined);
    await setStatus(name, { ready, message, revision: 'main@sha1:aaaa' });
  }
  function setStatus(name: string, status: { ready: 'True' | 'False' | 'Unknown'; message: string; revision: string; handled?: string }) {
    return client.patchStatus(KustomizationKind, name, { status: { lastAppliedRevision: status.revision, ...(status.handled ? { lastHandledReconcileAt: status.handled } : {}), conditions: [{ type: 'Ready', status: status.ready, reason: status.ready === 'True' ? 'ReconciliationSucceeded' : 'Progressing', message: status.message, lastTransitionTime: new Date().toISOString() }] } }, { namespace: ns });
  }

  /** Starts a command in a fresh tmux session of 150×30 and returns a reader of its pane. */
  async function terminal(args: readonly string[], rows = 30) {
    const session = `weft-${randomBytes(4).toString('hex')}`;
    sessions.push(session);
    const command = `env TERM=xterm-256color KUBECONFIG=${api.kubeconfigPath} HOME=${home} ${process.execPath} ${bin} ${args.join(' ')}; echo "EXIT=$?"; sleep 60`;
    await run('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', String(rows), command]);
    return {
      /** The pane as text, trailing blank lines dropped (with `escapes`, its colours as escape codes). */
      pane: async (escapes = false) => (await run('tmux', ['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session])).stdout.replace(/\n+$/, ''),
      keys: (...keys: string[]) => run('tmux', ['send-keys', '-t', session, ...keys]),
    };
  }
  const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => eventually(what, probe, { timeoutMs: 20_000, intervalMs: 100 });

  it('get --watch on a terminal: the table is redrawn in place as objects change, READY in colour; Ctrl-C ends it with 0', async () => {
    const tty = await terminal(['get', 'ks', '-n', ns, '--watch']);
    await until('the first table', async () => (await tty.pane()).includes('Applied revision: main@sha1:aaaa'));
    const first = (await tty.pane()).split('\n');
    expect(first[0]!.split(/\s{3,}/)).toEqual(['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']);
    expect(first[1]).toMatch(/^apps\s+main@sha1:aaaa\s+False\s+True\s+Applied revision: main@sha1:aaaa\s+\d+s$/);
    expect(await tty.pane(true)).toContain('\x1b[32mTrue\x1b[39m');

    await setStatus('apps', { ready: 'False', message: 'kustomize build failed: missing.yaml', revision: 'main@sha1:aaaa' });
    await kustomization('billing', 'Unknown', 'Reconciliation in progress');
    await until('the redrawn table', async () => (await tty.pane()).includes('billing') && (await tty.pane()).includes('missing.yaml'));
    const redrawn = (await tty.pane()).split('\n');
    // Redrawn in place: one header, one row per object, nothing left of the first table.
    expect(redrawn).toHaveLength(3);
    expect(redrawn.filter((line) => line.startsWith('NAME'))).toHaveLength(1);
    expect(redrawn[1]).toMatch(/^apps\s+main@sha1:aaaa\s+False\s+False\s+kustomize build failed: missing\.yaml/);
    expect(redrawn[2]).toMatch(/^billing\s+main@sha1:aaaa\s+False\s+Unknown\s+Reconciliation in progress/);
    const coloured = await tty.pane(true);
    expect(coloured).toContain('\x1b[31mFalse\x1b[39m');
    expect(coloured).toContain('\x1b[33mUnknown\x1b[39m');

    await tty.keys('C-c');
    await until('the exit code', async () => (await tty.pane()).includes('EXIT='));
    // The terminal echoes ^C before the shell prints the exit code.
    expect((await tty.pane()).split('\n').at(-1)).toMatch(/^(\^C)?EXIT=0$/);
  });

  it('get --watch without a terminal: the table, then one plain line per change, no escape codes', async () => {
    await setStatus('apps', { ready: 'True', message: 'Applied revision: main@sha1:bbbb', revision: 'main@sha1:bbbb' });
    const child = spawn(process.execPath, [bin, 'get', 'ks', '-n', ns, '--watch'], { env: { KUBECONFIG: api.kubeconfigPath, HOME: home, TERM: 'xterm-256color' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('the first rows', async () => stdout.split('\n').length >= 4);
    await setStatus('billing', { ready: 'True', message: 'Applied revision: main@sha1:cccc', revision: 'main@sha1:cccc' });
    await until('the change', async () => stdout.includes('main@sha1:cccc'));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).not.toMatch(/\x1b/);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{3,}/)).toEqual(['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']);
    expect(lines[1]).toMatch(/^apps\s+main@sha1:bbbb\s+False\s+True\s+/);
    expect(lines[2]).toMatch(/^billing\s+main@sha1:aaaa\s+False\s+Unknown\s+/);
    expect(lines.at(-1)).toMatch(/^billing\s+main@sha1:cccc\s+False\s+True\s+Applied revision: main@sha1:cccc/);
    expect(lines.filter((line) => line.startsWith('NAME'))).toHaveLength(1);
  });

  /** The controller's part: once the request is written, "in progress" for a while, then done. */
  const annotationOf = async (name: string) => (await client.get(KustomizationKind, name, { namespace: ns })).metadata.annotations?.['reconcile.weft.dev/requestedAt'];
  async function handleRequest(name: string, revision: string, before: string | undefined) {
    const requested = await until('the reconcile request', async () => {
      const now = await annotationOf(name);
      return now !== before && now;
    });
    await setStatus(name, { ready: 'Unknown', message: 'Running health checks for revision ' + revision, revision: 'main@sha1:bbbb', handled: requested });
    return async () => setStatus(name, { ready: 'True', message: `Applied revision: ${revision}`, revision, handled: requested });
  }

  it('reconcile on a terminal: one progress line, redrawn in place with a spinner and the seconds, replaced by the outcome', async () => {
    const before = await annotationOf('apps');
    const tty = await terminal(['reconcile', 'ks', 'apps', '-n', ns]);
    const finish = await handleRequest('apps', 'main@sha1:dddd', before);
    await until('the progress line', async () => /[◐◓◑◒] waiting for Kustomization reconciliation: Running health checks for revision main@sha1:dddd \(\d+s\)$/.test(await tty.pane()));
    const waiting = (await tty.pane()).split('\n');
    expect(waiting).toEqual([`► annotating Kustomization apps in ${ns} namespace`, '✔ Kustomization annotated', expect.stringMatching(/^[◐◓◑◒] waiting for Kustomization reconciliation: Running health checks/)]);
    await finish();
    await until('the outcome', async () => (await tty.pane()).includes('EXIT='));
    expect((await tty.pane()).split('\n')).toEqual([
      `► annotating Kustomization apps in ${ns} namespace`,
      '✔ Kustomization annotated',
      '✔ Kustomization reconciliation completed',
      '✔ applied revision main@sha1:dddd',
      'EXIT=0',
    ]);
    expect(await tty.pane(true)).toContain('\x1b[32m✔\x1b[39m');
  });

  it('reconcile without a terminal: a plain line per new message, no escape codes, the same outcome', async () => {
    const before = await annotationOf('apps');
    const child = execFile(process.execPath, [bin, 'reconcile', 'ks', 'apps', '-n', ns, '--timeout', '30s'], { env: { KUBECONFIG: api.kubeconfigPath, HOME: home } });
    let seen = '';
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr: seen }));
    });
    const finish = await handleRequest('apps', 'main@sha1:eeee', before);
    await until('the progress line for the new message', async () => seen.includes('Running health checks'));
    await finish();
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/\x1b/);
    expect(stderr.trimEnd().split('\n')).toEqual([
      `► annotating Kustomization apps in ${ns} namespace`,
      '✔ Kustomization annotated',
      '◎ waiting for Kustomization reconciliation',
      '◎ waiting for Kustomization reconciliation: Running health checks for revision main@sha1:eeee',
      '✔ Kustomization reconciliation completed',
      '✔ applied revision main@sha1:eeee',
    ]);
  });

  it('get --watch in a terminal shorter than the table: the rows that fit and a line saying how many more, still redrawn in place', async () => {
    for (let index = 1; index <= 6; index++) await kustomization(`extra-${index}`, 'True', 'Applied revision: main@sha1:aaaa');
    const tty = await terminal(['get', 'ks', '-n', ns, '--watch'], 6);
    await until('the cut table', async () => (await tty.pane()).includes('more rows'));
    const pane = (await tty.pane()).split('\n');
    expect(pane).toHaveLength(5);
    expect(pane[0]).toMatch(/^NAME\s+REVISION/);
    expect(pane[4]).toBe('… 5 more rows (a taller terminal shows them)');
    await setStatus('apps', { ready: 'False', message: 'now failing', revision: 'main@sha1:aaaa' });
    await until('the redrawn cut table', async () => (await tty.pane()).includes('now failing'));
    expect((await tty.pane()).split('\n')).toHaveLength(5);
    await tty.keys('C-c');
  });
});
