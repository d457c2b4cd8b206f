/** Setters: marked fields rewritten, every other byte kept (compared byte for byte). */
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SetterError, applySetters, rewriteSetters, type ImageRef } from '../index.js';

const policies = new Map<string, ImageRef>([
  ['apps/web', { name: 'ghcr.io/org/web', tag: '1.4.0' }],
  ['apps/pinned', { name: 'ghcr.io/org/pinned', tag: '2.0.0', digest: 'sha256:' + 'a'.repeat(64) }],
  ['apps/numeric', { name: 'ghcr.io/org/numeric', tag: '1.10' }],
]);

describe('rewriteSetters', () => {
  it('sets the whole ref, the tag, the name and the digest, keeping comments, order, quoting and indentation', () => {
    const before = [
      '# A deployment, hand-formatted.',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web   # keep this comment',
      '  namespace: apps',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: ghcr.io/org/web:1.3.0 # {"$imagepolicy": "apps:web"}',
      '        - name: sidecar',
      '          image: "ghcr.io/org/pinned:1.0.0"   #{"$imagepolicy":"apps:pinned"}',
      '      zebra: 1',
      '      alpha: 2',
      '---',
      'images:',
      "- newTag: '1.3.0' # {\"$imagepolicy\": \"apps:web:tag\"}",
      '  newName: ghcr.io/org/old # {"$imagepolicy": "apps:web:name"}',
      '  digest: "" # {"$imagepolicy": "apps:pinned:digest"}',
      '...',
      '',
    ].join('\n');
    const expected = before
      .replace('ghcr.io/org/web:1.3.0 #', 'ghcr.io/org/web:1.4.0 #')
      .replace('"ghcr.io/org/pinned:1.0.0"', `"ghcr.io/org/pinned:2.0.0@sha256:${'a'.repeat(64)}"`)
      .replace("'1.3.0'", "'1.4.0'")
      .replace('ghcr.io/org/old', 'ghcr.io/org/web')
      .replace('digest: ""', `digest: "sha256:${'a'.repeat(64)}"`);
    const { text, changes } = rewriteSetters(before, policies, { file: 'deploy/web.yaml' });
    expect(Buffer.from(text).equals(Buffer.from(expected))).toBe(true);
    expect(changes.map((c) => [c.line, c.field, c.oldValue, c.newValue])).toEqual([
      [12, 'image', 'ghcr.io/org/web:1.3.0', 'ghcr.io/org/web:1.4.0'],
      [14, 'image', 'ghcr.io/org/pinned:1.0.0', `ghcr.io/org/pinned:2.0.0@sha256:${'a'.repeat(64)}`],
      [19, 'tag', '1.3.0', '1.4.0'],
      [20, 'name', 'ghcr.io/org/old', 'ghcr.io/org/web'],
      [21, 'digest', '', `sha256:${'a'.repeat(64)}`],
    ]);
    expect(changes[0]!.object).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'apps', name: 'web' });
    expect(changes[0]).toMatchObject({ file: 'deploy/web.yaml', policy: { namespace: 'apps', name: 'web' } });
  });

  it('keeps CRLF line endings and a byte-order mark', () => {
    const before = '\ufeffkind: ConfigMap\r\ndata:\r\n  tag: 1.3.0 # {"$imagepolicy": "apps:web:tag"}\r\n  other: x\r\n';
    const { text } = rewriteSetters(before, policies);
    expect(text).toBe(before.replace('1.3.0', '1.4.0'));
  });

  it('quotes a plain value that would no longer read back as a string', () => {
    const { text } = rewriteSetters('tag: v1 # {"$imagepolicy": "apps:numeric:tag"}\n', policies);
    expect(text).toBe('tag: "1.10" # {"$imagepolicy": "apps:numeric:tag"}\n');
  });

  it('leaves text without a marker, with an unknown policy, or already up to date, untouched', () => {
    for (const text of [
      'image: ghcr.io/org/web:1.3.0\n',
      'image: x # {"$imagepolicy": "apps:unknown"}\n',
      'image: ghcr.io/org/web:1.4.0 # {"$imagepolicy": "apps:web"}\n',
      'image: x # {"$imagepolicy": "apps:web:bogus"}\n',
      'image: x # {"$imagepolicy": "web"}\n',
      'image: x # not json {"$imagepolicy": "apps:web"}\n',
      'image: x\n# {"$imagepolicy": "apps:web"}\n',
    ]) {
      expect(rewriteSetters(text, policies)).toEqual({ text, changes: [] });
    }
  });

  it('refuses marked YAML that does not parse, naming the file', () => {
    expect(() => rewriteSetters('a: [1, 2\nimage: x # {"$imagepolicy": "apps:web"}\n', policies, { file: 'bad.yaml' })).toThrow(SetterError);
    expect(() => rewriteSetters('a: [1, 2\nimage: x # {"$imagepolicy": "apps:web"}\n', policies, { file: 'bad.yaml' })).toThrow(/^bad\.yaml: not valid YAML/);
  });
});

describe('applySetters', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes only the files that change, under update.path, skipping dot directories', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-setters-'));
    await mkdir(join(dir, 'deploy', 'nested'), { recursive: true });
    await mkdir(join(dir, '.git'), { recursive: true });
    await mkdir(join(dir, 'other'), { recursive: true });
    const marked = 'image: ghcr.io/org/web:1.0.0 # {"$imagepolicy": "apps:web"}\n';
    await writeFile(join(dir, 'deploy', 'a.yaml'), marked);
    await writeFile(join(dir, 'deploy', 'nested', 'b.yml'), marked.replace('web"', 'web:tag"'));
    await writeFile(join(dir, 'deploy', 'plain.yaml'), 'image: ghcr.io/org/web:1.0.0\n');
    await writeFile(join(dir, 'deploy', 'notes.txt'), marked);
    await writeFile(join(dir, '.git', 'c.yaml'), marked);
    await writeFile(join(dir, 'other', 'd.yaml'), marked);
    const untouched = await stat(join(dir, 'deploy', 'plain.yaml'));
    const result = await applySetters(dir, { path: './deploy', policies });
    expect(result.files).toEqual(['deploy/a.yaml', 'deploy/nested/b.yml']);
    expect(await readFile(join(dir, 'deploy', 'a.yaml'), 'utf8')).toBe(marked.replace('1.0.0', '1.4.0'));
    expect(await readFile(join(dir, 'deploy', 'nested', 'b.yml'), 'utf8')).toBe('image: 1.4.0 # {"$imagepolicy": "apps:web:tag"}\n');
    for (const same of [join('deploy', 'notes.txt'), join('.git', 'c.yaml'), join('other', 'd.yaml')]) expect(await readFile(join(dir, same), 'utf8')).toBe(marked);
    expect((await stat(join(dir, 'deploy', 'plain.yaml'))).mtimeMs).toBe(untouched.mtimeMs);
    await expect(applySetters(dir, { path: '../elsewhere', policies })).rejects.toThrow(SetterError);
    // One broken marked file: nothing is written, not even the files that would have changed.
    await writeFile(join(dir, 'other', 'e.yaml'), 'a: [1\nimage: x # {"$imagepolicy": "apps:web"}\n');
    await expect(applySetters(dir, { path: 'other', policies })).rejects.toThrow(/other\/e\.yaml: not valid YAML/);
    expect(await readFile(join(dir, 'other', 'd.yaml'), 'utf8')).toBe(marked);
    await expect(applySetters(dir, { path: 'missing', policies })).rejects.toThrow(/not a directory/);
  });
});
