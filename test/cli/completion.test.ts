import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Kustomization, KustomizationKind, installGitOpsCrds } from '@weft/delivery';
import { KubeClient, NamespaceKind } from '@weft/reconcile-core';
import { type InMemoryApiServer, startApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireWeftBinary } from './binary';

const run = promisify(execFile);

/** `weft completion` in the shells themselves (bash, zsh, fish; tools/setup.sh installs the last two), through the bundled binary. */
describe('shell completion', () => {
  let api: InMemoryApiServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const bin = requireWeftBinary();
    api = await startApiServer();
    await installGitOpsCrds(api.kubeConfig, {});
    const client = new KubeClient(api.kubeConfig);
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } }, { kind: NamespaceKind });
    for (const name of ['apps', 'infra']) {
      await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name, namespace: 'weft-system' }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, interval: '1h', prune: true } } as Kustomization);
    }
    client.close();
    dir = await mkdtemp(join(tmpdir(), 'weft-completion-'));
    // `weft` on the PATH, as an install puts it there.
    await writeFile(join(dir, 'weft'), `#!/bin/sh\nexec ${process.execPath} ${bin} "$@"\n`);
    await chmod(join(dir, 'weft'), 0o755);
    env = { PATH: `${dir}:${process.env['PATH']}`, HOME: dir, KUBECONFIG: api.kubeconfigPath };
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const bash = async (words: string) => {
    const script = `source <(weft completion bash); COMP_WORDS=(${words}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _weft; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return (await run('bash', ['-c', script], { env })).stdout.trim().split('\n');
  };

  it('bash: verbs, kinds, flags, flag values and the names of objects in the cluster', async () => {
    expect(await bash('weft re')).toEqual(['reconcile', 'resume']);
    expect(await bash("weft get ''")).toEqual(expect.arrayContaining(['all', 'kustomizations', 'ks', 'gitrepositories', 'canaries']));
    expect(await bash('weft reconcile ks -n weft-system i')).toEqual(['infra']);
    expect(await bash("weft tree kustomization -n weft-system ''")).toEqual(['apps', 'infra']);
    expect(await bash('weft get ks -o y')).toEqual(['yaml']);
    expect(await bash('weft get ks --wa')).toEqual(['--watch']);
  });

  it('zsh: the script loads (compdef) and completes the same candidates', async () => {
    const script = `compdef() { :; }; compadd() { [[ $1 == -a ]] && print -l -- \${(P)2}; }; source <(weft completion zsh); words=(weft reconcile ks -n weft-system ''); CURRENT=6; _weft`;
    expect((await run('zsh', ['-c', script], { env })).stdout.trim().split('\n')).toEqual(['apps', 'infra']);
    await run('zsh', ['-n', '-c', (await run('weft', ['completion', 'zsh'], { env })).stdout], { env });
  });

  it('fish: complete -C answers from weft __complete', async () => {
    const { stdout } = await run('fish', ['-c', "weft completion fish | source; complete -C 'weft get ks -n weft-system a'"], { env });
    expect(stdout.trim().split('\n')).toEqual(['apps']);
  });
});
