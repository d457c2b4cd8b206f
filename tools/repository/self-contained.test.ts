import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A fresh clone has nothing beside it: no file under version control may read, link or name a path
// outside the repository. This guards the promise of the README's `npm test` on a new machine.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function trackedFiles(): string[] {
  const listing = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return listing.split('\0').filter((path) => path !== '' && existsSync(join(root, path)));
}

function isText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 8000).includes(0);
}

// The lockfile names registry paths, not ours. Conformance inputs under test-data/ are data of
// the reference projects' tests (virtual file systems, sample strings), not paths of ours.
const notOurPaths = (path: string): boolean => path === 'pnpm-lock.yaml' || path.split('/').includes('test-data');

/** Absolute paths that only exist on some engineer's or CI machine. */
const machinePath = /(?<![\w.:/-])(?:\/work\/|\/root\/|\/home\/[a-z][\w-]*\/|\/Users\/[A-Za-z])/g;
/** A relative path that climbs: one or more `../`, then maybe a name. */
const climbingPath = /(?<![\w./-])((?:\.\.\/)+)([\w.@-]*)/g;

interface OutsideReference {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Every place in `text` (the content of `file`, relative to the root) that points outside `root`. */
function outsideReferences(file: string, text: string): OutsideReference[] {
  const found: OutsideReference[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  if (notOurPaths(file)) return found;
  for (const match of text.matchAll(machinePath)) found.push({ file, line: lineOf(match.index), text: match[0] });
  // The engineers' shared folder beside the checkout, however the path is written.
  for (const match of text.matchAll(/(?<![\w.-])(?:\.\.\/)+shared(?![\w-])/g)) found.push({ file, line: lineOf(match.index), text: match[0] });
  for (const match of text.matchAll(climbingPath)) {
    const target = resolve(root, dirname(file), match[1]!);
    const inside = target === root || target.startsWith(root + sep);
    if (!inside && match[2] !== 'shared') {
      found.push({ file, line: lineOf(match.index), text: match[0] });
    }
  }
  return found;
}

describe('the repository stands alone', () => {
  it('recognises a path that leaves the repository, and one that does not', () => {
    // Samples are assembled, so that this file does not contain what it refuses.
    const up = '..';
    expect(outsideReferences('README.md', `see [design](${up}/shared/DESIGN.md)`)).toHaveLength(1);
    expect(outsideReferences('packages/x/src/a.test.ts', `new URL('${up}/${up}/${up}/${up}/shared/c.json', import.meta.url)`)).toHaveLength(1);
    expect(outsideReferences('packages/x/src/a.test.ts', "new URL('../../test-data/c.json', import.meta.url)")).toEqual([]);
    expect(outsideReferences('packages/x/src/__tests__/a.test.ts', `import { watch } from '${up}/${'shared'}-watch.js';`)).toEqual([]);
    expect(outsideReferences('packages/x/README.md', `the cases in \`${up}/shared/conformance\``)).toHaveLength(1);
    expect(outsideReferences('docs/guide.md', `cd ${'/wo'}rk/main && npm test`)).toHaveLength(1);
    expect(outsideReferences('docs/guide.md', `see ${'/ho'}me/alice/notes`)).toHaveLength(1);
    expect(outsideReferences('docs/guide.md', 'cache in ~/.cache/weft, logs in /tmp/weft-build.log')).toEqual([]);
  });

  it('no file under version control refers to a path outside the repository root', () => {
    const references = trackedFiles().flatMap((file) => {
      const bytes = readFileSync(join(root, file));
      return isText(bytes) ? outsideReferences(file, bytes.toString('utf8')) : [];
    });
    expect(references.map((ref) => `${ref.file}:${ref.line}: ${ref.text}`)).toEqual([]);
  });

  it('every relative link in the markdown files points at a file of the repository', () => {
    const broken: string[] = [];
    for (const file of trackedFiles().filter((path) => path.endsWith('.md') && !notOurPaths(path))) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = match[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        if (!existsSync(resolve(root, dirname(file), target))) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
