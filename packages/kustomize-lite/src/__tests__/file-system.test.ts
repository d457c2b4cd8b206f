import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFs, syncNodeFs } from '../file-system.js';

// The command line builds through syncNodeFs, a controller through nodeFs: they must answer alike.
describe('syncNodeFs', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-fs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'base'));
  writeFileSync(join(root, 'base', 'kustomization.yaml'), 'resources: [b.yaml, a.yaml]\n');
  writeFileSync(join(root, 'base', 'a.yaml'), 'kind: A\n');
  writeFileSync(join(root, 'base', 'b.yaml'), 'kind: B\n');
  symlinkSync(join(root, 'base'), join(root, 'link'));
  execFileSync('mkfifo', [join(root, 'fifo')]);

  const paths = ['base', 'base/a.yaml', 'missing', 'base/a.yaml/below', 'fifo', 'link', 'link/b.yaml'].map((path) => join(root, path));

  it('stats files, directories, missing paths, paths below a file and named pipes as nodeFs does', async () => {
    const [sync, callback] = [syncNodeFs(), nodeFs()];
    const answers = async (fs: typeof sync): Promise<unknown[]> => Promise.all(paths.map((path) => fs.stat(path)));
    expect(await answers(sync)).toEqual(await answers(callback));
    expect(await sync.stat(join(root, 'base', 'a.yaml'))).toEqual({ type: 'file', size: 8 });
    expect(await sync.stat(join(root, 'base', 'a.yaml', 'below'))).toBeUndefined();
    expect(await sync.stat(join(root, 'fifo'))).toEqual({ type: 'other', size: 0 });
  });

  it('reads files and sorted directories, and resolves links, as nodeFs does', async () => {
    const [sync, callback] = [syncNodeFs(), nodeFs()];
    expect(await sync.readDir(join(root, 'base'))).toEqual(['a.yaml', 'b.yaml', 'kustomization.yaml']);
    expect(await sync.readDir(join(root, 'base'))).toEqual(await callback.readDir(join(root, 'base')));
    expect(Buffer.from(await sync.readFile(join(root, 'link', 'b.yaml'))).toString()).toBe('kind: B\n');
    expect(await sync.realPath(join(root, 'link'))).toBe(await callback.realPath(join(root, 'link')));
    expect(await sync.realPath(join(root, 'missing'))).toBe(join(root, 'missing'));
    await expect(sync.readFile(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
