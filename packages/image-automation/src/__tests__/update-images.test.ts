/**
 * updateImages against a real git smart-HTTP server (git http-backend): the same branch,
 * another branch, one branch per update, nothing committed when nothing changed, a
 * non-fast-forward push redone on the fresh head, and a refused push that leaves the remote as
 * it was.
 */
import { execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startGitServer, type GitServer, type TestRepo } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetterError, TemplateError, isBranchName, updateImages, type ImageRef, type UpdateImagesOptions } from '../index.js';

const deployment = (image: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    '  namespace: apps',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `        - image: ${image} # {"$imagepolicy": "apps:web"}`,
    '',
  ].join('\n');

describe('updateImages', () => {
  let server: GitServer;
  const author = { name: 'Weft Bot', email: 'bot@weft.dev' };
  const policies = (tag: string) => new Map<string, ImageRef>([['apps/web', { name: 'ghcr.io/org/web', tag }]]);
  const base = (repo: TestRepo, tag: string): UpdateImagesOptions => ({
    url: repo.url,
    branch: 'main',
    author,
    automation: { namespace: 'apps', name: 'web-auto' },
    path: './deploy',
    policies: policies(tag),
  });
  const show = (repo: TestRepo, ref: string, path: string) => execFileSync('git', ['--git-dir', repo.bare, 'show', `${ref}:${path}`], { env: server.gitEnv }).toString();
  const revParse = (repo: TestRepo, ref: string) => execFileSync('git', ['--git-dir', repo.bare, 'rev-parse', ref], { env: server.gitEnv }).toString().trim();

  beforeAll(async () => {
    server = await startGitServer();
  });
  afterAll(async () => server?.stop());

  it('commits the changed files to the same branch with Flux\'s default message, then finds nothing to do', async () => {
    const repo = await server.createRepo('same', { 'deploy/web.yaml': deployment('ghcr.io/org/web:1.0.0'), 'other/web.yaml': deployment('ghcr.io/org/web:1.0.0') });
    const head = revParse(repo, 'main');
    const result = await updateImages(base(repo, '1.1.0'));
    expect(result.commit).toBe(revParse(repo, 'main'));
    expect(result).toMatchObject({ branch: 'main', files: ['deploy/web.yaml'], sourceRevision: `main@sha1:${head}`, attempts: 1 });
    expect(show(repo, 'main', 'deploy/web.yaml')).toBe(deployment('ghcr.io/org/web:1.1.0'));
    expect(show(repo, 'main', 'other/web.yaml')).toBe(deployment('ghcr.io/org/web:1.0.0'));
    const message = execFileSync('git', ['--git-dir', repo.bare, 'log', '-1', '--format=%an <%ae>%n%B', 'main'], { env: server.gitEnv }).toString();
    expect(message).toBe(
      [
        'Weft Bot <bot@weft.dev>',
        'Automated image update',
        '',
        'Automation name: apps/web-auto',
        '',
        'Files:',
        '- deploy/web.yaml',
        'Objects:',
        '- Deployment web',
        '  Changes:',
        '    - ghcr.io/org/web:1.0.0 -> ghcr.io/org/web:1.1.0',
        '',
        '',
      ].join('\n'),
    );
    const again = await updateImages(base(repo, '1.1.0'));
    expect(again).toMatchObject({ commit: undefined, changes: [] });
    expect(revParse(repo, 'main')).toBe(result.commit);
  });

  it('pushes to another branch, created from the checkout branch, and stacks later updates on it', async () => {
    const repo = await server.createRepo('other', { 'deploy/web.yaml': deployment('ghcr.io/org/web:1.0.0') });
    const main = revParse(repo, 'main');
    const first = await updateImages({ ...base(repo, '1.1.0'), pushBranch: 'image-updates', messageTemplate: 'Bump {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}' });
    expect(first.branch).toBe('image-updates');
    expect(revParse(repo, 'main')).toBe(main);
    expect(revParse(repo, 'image-updates^')).toBe(main);
    const second = await updateImages({ ...base(repo, '1.2.0'), pushBranch: 'image-updates' });
    expect(revParse(repo, 'image-updates^')).toBe(first.commit);
    expect(show(repo, 'image-updates', 'deploy/web.yaml')).toBe(deployment('ghcr.io/org/web:1.2.0'));
    expect(second.commit).toBe(revParse(repo, 'image-updates'));
  });

  it('puts each update on its own branch from branchTemplate', async () => {
    const tagged = 'kind: Kustomization\nimages:\n  - name: web\n    newTag: 1.0.0 # {"$imagepolicy": "apps:web:tag"}\n';
    const repo = await server.createRepo('per-update', { 'deploy/kustomization.yaml': tagged });
    const branchTemplate = 'image-updates/web-{{ range .Changed.Changes }}{{ .NewValue }}{{ end }}';
    const one = await updateImages({ ...base(repo, '1.1.0'), branchTemplate });
    expect(one.branch).toBe('image-updates/web-1.1.0');
    const two = await updateImages({ ...base(repo, '1.2.0'), branchTemplate });
    expect(two.branch).toBe('image-updates/web-1.2.0');
    expect(revParse(repo, 'image-updates/web-1.2.0^')).toBe(revParse(repo, 'main'));
    expect(show(repo, 'image-updates/web-1.1.0', 'deploy/kustomization.yaml')).toBe(tagged.replace('1.0.0', '1.1.0'));
    expect(show(repo, 'main', 'deploy/kustomization.yaml')).toBe(tagged);
    // The same update again: its branch already has it, nothing is committed.
    expect((await updateImages({ ...base(repo, '1.2.0'), branchTemplate })).commit).toBeUndefined();
    await expect(updateImages({ ...base(repo, '1.3.0'), branchTemplate: 'bad..{{ len .Changed.Changes }}' })).rejects.toThrow(/rendered "bad..1", which is not a branch name/);
    await expect(updateImages({ ...base(repo, '1.3.0'), branchTemplate: '{{ split .Values }}' })).rejects.toThrow(TemplateError);
  });

  it('redoes a push rejected as non-fast-forward on the fresh head', async () => {
    const repo = await server.createRepo('race', { 'deploy/web.yaml': deployment('ghcr.io/org/web:1.0.0'), 'README.md': 'one\n' });
    let raced = false;
    const racing = (namespace: string, name: string): ImageRef | undefined => {
      if (!raced) {
        // Someone else pushes while the first attempt is working (straight to the bare repository).
        raced = true;
        execFileSync('git', ['-C', repo.work, 'pull', '-q', 'origin', 'main'], { env: server.gitEnv });
        execFileSync('sh', ['-c', 'echo two > README.md && git add README.md && git commit -qm concurrent && git push -q ' + repo.bare + ' HEAD:main'], { cwd: repo.work, env: server.gitEnv });
      }
      return namespace === 'apps' && name === 'web' ? { name: 'ghcr.io/org/web', tag: '2.0.0' } : undefined;
    };
    const concurrent = () => revParse(repo, 'main');
    const result = await updateImages({ ...base(repo, '2.0.0'), policies: racing });
    expect(result.attempts).toBe(2);
    expect(execFileSync('git', ['--git-dir', repo.bare, 'log', '--format=%s', 'main'], { env: server.gitEnv }).toString().split('\n')[1]).toBe('concurrent');
    expect(show(repo, 'main', 'README.md')).toBe('two\n');
    expect(show(repo, 'main', 'deploy/web.yaml')).toBe(deployment('ghcr.io/org/web:2.0.0'));
    expect(result.commit).toBe(concurrent());
  });

  it('leaves the remote as it was when the push is refused', async () => {
    const repo = await server.createRepo('refused', { 'deploy/web.yaml': deployment('ghcr.io/org/web:1.0.0') });
    const hook = join(repo.bare, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "refusing every push" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    const refs = execFileSync('git', ['--git-dir', repo.bare, 'for-each-ref'], { env: server.gitEnv }).toString();
    await expect(updateImages(base(repo, '3.0.0'))).rejects.toThrow();
    expect(execFileSync('git', ['--git-dir', repo.bare, 'for-each-ref'], { env: server.gitEnv }).toString()).toBe(refs);
    expect(show(repo, 'main', 'deploy/web.yaml')).toBe(deployment('ghcr.io/org/web:1.0.0'));
  });

  it('refuses a marked file that is not YAML, pushing nothing', async () => {
    const repo = await server.createRepo('broken', { 'deploy/web.yaml': 'a: [1\nimage: x # {"$imagepolicy": "apps:web"}\n' });
    const head = revParse(repo, 'main');
    await expect(updateImages(base(repo, '1.1.0'))).rejects.toThrow(SetterError);
    expect(revParse(repo, 'main')).toBe(head);
  });

  it('checks branch names as git does', () => {
    for (const good of ['main', 'image-updates/web-1.2.0', 'a_b.c']) expect(isBranchName(good)).toBe(true);
    for (const bad of ['', 'a..b', 'a b', '-x', 'x/', 'x.lock', 'a//b', '.hidden', 'a@{b', 'x:y']) expect(isBranchName(bad)).toBe(false);
  });
});
