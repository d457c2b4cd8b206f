// The weft-kustomize build server (src/cli-server.ts) driven as a user meets it: through the
// launcher, bin/weft-kustomize.cjs, in processes of its own. Each test has a private
// XDG_RUNTIME_DIR, so the servers it starts are its own; they are killed afterwards.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually } from '@weft/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const launcher = join(packageRoot, 'bin', 'weft-kustomize.cjs');
const corpus = join(packageRoot, 'test-data', 'corpus');
const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-server-'));
const runAsync = promisify(execFile);

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One user's machine: its own runtime folder, hence its own build servers. */
function machine(name: string) {
  const runtime = join(root, name, 'runtime');
  mkdirSync(runtime, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, XDG_CACHE_HOME: join(root, name, 'cache') };
  delete env['WEFT_KUSTOMIZE_SERVER'];
  const sockets = (): string[] => (existsSync(join(runtime, 'weft-kustomize')) ? readdirSync(join(runtime, 'weft-kustomize')).filter((file) => file.endsWith('.sock')) : []);
  const run = async (args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; bin?: string } = {}): Promise<Run> => {
    try {
      const { stdout, stderr } = await runAsync(process.execPath, [options.bin ?? launcher, ...args], { cwd: options.cwd ?? root, env: { ...env, ...options.env }, maxBuffer: 64 * 1024 * 1024 });
      return { status: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { status: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };
  /** The running server's process id, found by its socket in its command line. */
  const serverPid = (): number | undefined => {
    for (const socket of sockets()) {
      try {
        return Number(execFileSync('pgrep', ['-f', join(runtime, 'weft-kustomize', socket)], { encoding: 'utf8' }).trim().split('\n')[0]);
      } catch {
        // no process answers to it
      }
    }
    return undefined;
  };
  const serverUp = (options: { bin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    eventually('a build server to listen', async () => {
      const served = await run(['--help'], options);
      return sockets().length === 1 && serverPid() !== undefined && served;
    });
  return { runtime, env, sockets, run, serverPid, serverUp };
}

/** What the same command prints built in its own process, with no server anywhere. */
async function inProcess(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return machine('reference').run(args, { ...options, env: { ...options.env, WEFT_KUSTOMIZE_SERVER: '0' } });
}

/** Whether a process is gone (signal 0 only checks that it exists). */
function hasExited(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function killServers(): void {
  try {
    execFileSync('pkill', ['-f', `weft-kustomize-serve ${root}`]);
  } catch {
    // none left
  }
}

afterEach(killServers);
afterAll(() => {
  killServers();
  rmSync(root, { recursive: true, force: true });
});

describe('the weft-kustomize build server', () => {
  it('is started by a first run that built in its own process, and answers the runs after it', async () => {
    const user = machine('first-run');
    const target = join(corpus, 'shop-platform/overlays/dev');
    const reference = await inProcess(['build', target]);
    expect(reference.status).toBe(0);

    expect(await user.run(['build', target])).toEqual(reference);
    await user.serverUp();
    expect(statSync(join(user.runtime, 'weft-kustomize')).mode & 0o777).toBe(0o700);
    expect(statSync(join(user.runtime, 'weft-kustomize', user.sockets()[0]!)).mode & 0o777).toBe(0o600);
    expect(await user.run(['build', target])).toEqual(reference);
  });

  it('does the build itself, in the working directory of the run it answers', async () => {
    const user = machine('served');
    const target = join(corpus, 'memcached-operator/config/default');
    const reference = await inProcess(['build', target]);
    await user.serverUp();
    const server = user.serverPid()!;
    for (const cwd of [join(corpus, 'fleet-infra'), join(corpus, 'payments')]) {
      expect(await user.run(['build', target], { cwd })).toEqual(reference);
      expect(readlinkSync(`/proc/${server}/cwd`)).toBe(cwd);
    }
    expect(user.serverPid()).toBe(server);
  });

  it('is not the one that answers once the bundle is replaced, even under the same size and modification time (an archive unpacked over it)', async () => {
    const user = machine('upgraded');
    const installation = join(root, 'upgraded', 'installation');
    mkdirSync(join(installation, 'bin'), { recursive: true });
    mkdirSync(join(installation, 'dist'), { recursive: true });
    copyFileSync(launcher, join(installation, 'bin', 'weft-kustomize.cjs'));
    const bundle = join(installation, 'dist', 'weft-kustomize.cjs');
    copyFileSync(join(packageRoot, 'dist', 'weft-kustomize.cjs'), bundle);
    const bin = join(installation, 'bin', 'weft-kustomize.cjs');
    const target = join(corpus, 'shop-platform/overlays/dev');
    // as tar leaves files: the archive's modification time, in whole seconds
    const packed = Math.floor(Date.now() / 1000) - 3600;
    utimesSync(bundle, packed, packed);
    expect(await user.run(['build', target], { bin })).toEqual(await inProcess(['build', target]));
    await user.serverUp({ bin });
    const old = user.serverPid()!;

    const standIn = 'exports.main = async () => { process.stdout.write("the new bundle\\n"); };';
    writeFileSync(bundle, standIn.padEnd(statSync(bundle).size, ' '));
    utimesSync(bundle, packed, packed);
    // neither the old server nor the old bundle's code cache (V8 checks a cache against the source's length only)
    expect(await user.run(['build', target], { bin })).toEqual({ status: 0, stdout: 'the new bundle\n', stderr: '' });
    expect(user.serverPid()).toBe(old);
  });

  it('prints what a run in its own process prints: errors, help, -o FILE and paths relative to the working directory', async () => {
    const user = machine('parity');
    await user.serverUp();
    const cases: { args: string[]; cwd?: string }[] = [
      { args: ['build', join(corpus, 'fleet-infra/clusters/production')] },
      { args: ['build', join(corpus, 'yaml-scalars/overlays/dev'), '--reorder', 'none'] },
      { args: ['build', 'overlays/prod-eu'], cwd: join(corpus, 'shop-platform') },
      { args: ['build'], cwd: join(corpus, 'payments/envs/prod') },
      { args: ['build', join(corpus, 'refused/outside-root/app')] },
      { args: ['build', join(root, 'missing')] },
      { args: ['build', '--reorder', 'sideways'] },
      { args: ['frobnicate'] },
      { args: ['--help'] },
    ];
    for (const { args, cwd } of cases) {
      const options = cwd === undefined ? {} : { cwd };
      expect(await user.run(args, options), args.join(' ')).toEqual(await inProcess(args, options));
    }
    const refused = await user.run(['build', join(corpus, 'refused/outside-root/app')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Error: /);

    const workspace = join(root, 'parity', 'workspace');
    mkdirSync(workspace, { recursive: true });
    expect(await user.run(['build', join(corpus, 'shop-platform/overlays/dev'), '-o', 'out.yaml'], { cwd: workspace })).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(workspace, 'out.yaml'), 'utf8')).toBe((await inProcess(['build', join(corpus, 'shop-platform/overlays/dev')])).stdout);
    // written with the run's umask, not the one the server was started with
    const private_ = join(workspace, 'private.yaml');
    execFileSync('sh', ['-c', `umask 077 && exec "${process.execPath}" "${launcher}" build "${join(corpus, 'shop-platform/overlays/dev')}" -o "${private_}"`], { env: user.env });
    expect(statSync(private_).mode & 0o777).toBe(0o600);
    const shared = join(workspace, 'shared.yaml');
    execFileSync('sh', ['-c', `umask 022 && exec "${process.execPath}" "${launcher}" build "${join(corpus, 'shop-platform/overlays/dev')}" -o "${shared}"`], { env: user.env });
    expect(statSync(shared).mode & 0o777).toBe(0o644);
  });

  it('builds the files as they are at that moment, with no environment variable read (an env file line without `=` stays empty, as in kustomize)', async () => {
    const user = machine('fresh');
    const tree = join(root, 'fresh', 'tree');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'kustomization.yaml'), 'configMapGenerator:\n- name: settings\n  envs: [settings.env]\n');
    writeFileSync(join(tree, 'settings.env'), 'REGION\nTIER=gold\n');
    await user.serverUp();

    const eu = await user.run(['build', tree], { env: { REGION: 'eu-west' } });
    expect(eu.stdout).toContain('REGION: ""');
    expect(eu).toEqual(await inProcess(['build', tree], { env: { REGION: 'eu-west' } }));

    writeFileSync(join(tree, 'settings.env'), 'REGION\nTIER=silver\n');
    expect((await user.run(['build', tree])).stdout).toContain('TIER: silver');
    rmSync(join(tree, 'settings.env'));
    const gone = await user.run(['build', tree]);
    expect(gone).toEqual(await inProcess(['build', tree]));
    expect(gone.status).toBe(1);
  });

  it("keeps none of the starting run's environment but its own settings", async () => {
    const user = machine('secrets');
    await user.serverUp({ env: { MY_TOKEN: 'hunter2' } });
    const environment = readFileSync(`/proc/${user.serverPid()!}/environ`, 'utf8').split('\0');
    expect(environment.some((entry) => entry.startsWith('MY_TOKEN='))).toBe(false);
    expect(environment).toContain(`XDG_RUNTIME_DIR=${user.runtime}`);
  });

  it('ends quietly with 141 when the reader goes away (`| head`), served or not, as SIGPIPE ends kustomize', async () => {
    const user = machine('pipe');
    const tree = join(root, 'pipe', 'tree');
    mkdirSync(tree, { recursive: true });
    const literals = Array.from({ length: 6000 }, (_, index) => `  - KEY${index}=${'value'.repeat(10)}`);
    writeFileSync(join(tree, 'kustomization.yaml'), `configMapGenerator:\n- name: big\n  literals:\n${literals.join('\n')}\n`);
    const firstBytes = (server: string) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [launcher, 'build', tree], { env: { ...user.env, WEFT_KUSTOMIZE_SERVER: server } });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.once('data', () => child.stdout.destroy());
        child.on('close', (status) => resolve({ status, stderr }));
      });
    expect(await firstBytes('0')).toEqual({ status: 141, stderr: '' });
    await user.serverUp();
    expect(await firstBytes('1')).toEqual({ status: 141, stderr: '' });
  });

  it('builds in its own process when its working directory was removed', async () => {
    const user = machine('removed');
    await user.serverUp();
    const target = join(corpus, 'shop-platform/overlays/dev');
    const gone = join(root, 'removed', 'gone');
    mkdirSync(gone);
    const output = execFileSync('sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec "${process.execPath}" "${launcher}" build "${target}"`], { env: user.env, encoding: 'utf8' });
    expect(output).toBe((await inProcess(['build', target])).stdout);
  });

  it('answers runs at the same time, each with its own build', async () => {
    const user = machine('together');
    await user.serverUp();
    const targets = ['fleet-infra/apps/production', 'memcached-operator/config/rbac', 'canary-operator/kustomize/istio', 'gatekeeper-style/overlays/audit-only', 'shop-platform/overlays/prod-eu', 'payments/envs/prod'].map((tree) => join(corpus, tree));
    const served = await Promise.all(targets.map((target) => user.run(['build', target])));
    for (const [index, target] of targets.entries()) expect(served[index], target).toEqual(await inProcess(['build', target]));
  });

  it('is replaced when killed, the run that finds its socket dead building in its own process', async () => {
    const user = machine('killed');
    const target = join(corpus, 'platform-features/local-config-refs');
    const reference = await inProcess(['build', target]);
    await user.serverUp();
    const first = user.serverPid()!;
    process.kill(first, 'SIGKILL');
    await eventually('the server to be gone', () => hasExited(first));
    expect(user.sockets()).toHaveLength(1); // a dead server's socket file stays behind

    expect(await user.run(['build', target])).toEqual(reference);
    const second = await eventually('a new server', () => {
      const pid = user.serverPid();
      return pid !== undefined && pid !== first && pid;
    });
    expect(second).not.toBe(first);
    expect(await user.run(['build', target])).toEqual(reference);
  });

  it('leaves the run to build in its own process when the server gives no whole reply or does not take the request within 2 s', async () => {
    const target = join(corpus, 'fleet-infra/infrastructure/controllers');
    const reference = await inProcess(['build', target]);
    for (const answer of ['', '+{"exitCode":0,"stdout":100000,"stderr":0}\npartial', '+not json\n', '{"exitCode":0,"stdout":0,"stderr":0}\n', undefined]) {
      const user = machine(`broken-${answer?.length ?? 'silent'}`);
      await user.serverUp();
      const pid = user.serverPid()!;
      const socket = join(user.runtime, 'weft-kustomize', user.sockets()[0]!);
      process.kill(pid, 'SIGKILL');
      await eventually('the server to be gone', () => user.serverPid() === undefined);
      rmSync(socket);
      // a server that reads the request and hangs up after a broken answer, or (undefined) says nothing, ever
      const impostor = createServer((connection) => connection.once('data', () => (answer === undefined ? undefined : connection.end(answer))));
      await new Promise<void>((listening) => impostor.listen(socket, listening));
      try {
        expect(await user.run(['build', target]), JSON.stringify(answer)).toEqual(reference);
      } finally {
        await new Promise((closed) => impostor.close(closed));
      }
    }
  });

  it('exits after the idle time, removing its socket, also when the last connection sent no request', async () => {
    const user = machine('idle');
    const idle = { WEFT_KUSTOMIZE_SERVER_IDLE_SECONDS: '1' };
    await user.run(['--help'], { env: idle });
    const pid = await eventually('a build server', () => user.serverPid());
    // another server's probe: it connects and hangs up
    const socket = join(user.runtime, 'weft-kustomize', user.sockets()[0]!);
    await new Promise<void>((done) => {
      const probe = createConnection(socket, () => {
        probe.destroy();
        done();
      });
    });
    await eventually('the idle server to exit', () => hasExited(pid), { timeoutMs: 20_000 });
    expect(user.sockets()).toEqual([]);
  });

  it('is neither asked nor started when others can write to the socket folder', async () => {
    const user = machine('shared');
    const folder = join(user.runtime, 'weft-kustomize');
    await user.serverUp();
    const socket = join(folder, user.sockets()[0]!);
    process.kill(user.serverPid()!);
    await eventually('the server to be gone', () => user.sockets().length === 0);
    chmodSync(folder, 0o777);
    let asked = 0;
    const impostor = createServer((connection) => {
      asked++;
      connection.end('+{"exitCode":0,"stdout":10,"stderr":0}\nkind: Evil');
    });
    await new Promise<void>((listening) => impostor.listen(socket, listening));
    try {
      const target = join(corpus, 'shop-platform/overlays/dev');
      expect(await user.run(['build', target])).toEqual(await inProcess(['build', target]));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(asked).toBe(0);
      expect(user.serverPid()).toBeUndefined();
    } finally {
      await new Promise((closed) => impostor.close(closed));
    }
  });

  it('is not used or started with WEFT_KUSTOMIZE_SERVER=0', async () => {
    const user = machine('off');
    const target = join(corpus, 'shop-platform/overlays/dev');
    expect(await user.run(['build', target], { env: { WEFT_KUSTOMIZE_SERVER: '0' } })).toEqual(await inProcess(['build', target]));
    // given time to start one, none is there
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(user.sockets()).toEqual([]);
    expect(existsSync(join(user.runtime, 'weft-kustomize'))).toBe(false);
  });
});
