import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { loadClusterTarget, readContexts } from '../kubeconfig.js';

/** The kubeconfig as kubectl reads it: KUBECONFIG's files merged (first wins), paths relative to their file, static credentials. */
describe('loadClusterTarget', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-kubeconfig-'));
    await mkdir(join(dir, 'certs'));
    await writeFile(join(dir, 'certs', 'ca.crt'), 'CA');
    await writeFile(join(dir, 'token'), 'file-token\n');
    await writeFile(
      join(dir, 'a.yaml'),
      ['clusters:', '- name: prod', '  cluster: { server: "https://prod.example:6443", certificate-authority: certs/ca.crt, tls-server-name: api.prod }', 'users:', '- name: robot', '  user: { tokenFile: token }', 'contexts:', '- name: prod', '  context: { cluster: prod, user: robot, namespace: shop }', 'current-context: prod', ''].join('\n'),
    );
    await writeFile(
      join(dir, 'b.yaml'),
      ['clusters:', '- name: prod', '  cluster: { server: "https://shadowed.example" }', '- name: dev', '  cluster: { server: "https://dev.example", insecure-skip-tls-verify: true }', 'users:', '- name: me', '  user: { username: me, password: secret }', 'contexts:', '- name: dev', '  context: { cluster: dev, user: me }', 'current-context: dev', ''].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const env = () => ({ KUBECONFIG: `${join(dir, 'a.yaml')}:${join(dir, 'b.yaml')}`, HOME: dir });
  const options = async (kubeConfig: unknown) => {
    const request: RequestOptions = {};
    await (kubeConfig as { applyToHTTPSOptions(options: RequestOptions): Promise<void> }).applyToHTTPSOptions(request);
    return request;
  };

  it('merges the files of KUBECONFIG, the first file of a name winning, and reads paths relative to their file', async () => {
    const target = await loadClusterTarget({ env: env(), cwd: '/' });
    expect(target).toMatchObject({ context: 'prod', namespace: 'shop', server: 'https://prod.example:6443', files: [join(dir, 'a.yaml'), join(dir, 'b.yaml')] });
    const request = await options(target.kubeConfig);
    expect(request.ca?.toString()).toBe('CA');
    expect(request.servername).toBe('api.prod');
    expect(request.headers).toEqual({ Authorization: 'Bearer file-token' });
  });

  it('--context picks another context: its namespace defaults to default; basic auth and insecure-skip-tls-verify', async () => {
    const target = await loadClusterTarget({ env: env(), cwd: '/', context: 'dev' });
    expect(target).toMatchObject({ context: 'dev', namespace: 'default', server: 'https://dev.example' });
    expect(await options(target.kubeConfig)).toEqual({ auth: 'me:secret', rejectUnauthorized: false });
    expect(readContexts({ env: env(), cwd: '/' })).toEqual(['prod', 'dev']);
  });

  it('names the file or the context that is wrong', async () => {
    await expect(loadClusterTarget({ env: env(), cwd: '/', context: 'staging' })).rejects.toThrow(new UsageError(`context "staging" is not in kubeconfigs ${join(dir, 'a.yaml')}, ${join(dir, 'b.yaml')} (--context): known contexts are prod, dev`));
    await writeFile(join(dir, 'bad.yaml'), 'clusters: [\n');
    await expect(loadClusterTarget({ env: {}, cwd: dir, kubeconfig: 'bad.yaml' })).rejects.toThrow(new RegExp(`^kubeconfig ${join(dir, 'bad.yaml')} is not valid YAML: `));
  });
});
