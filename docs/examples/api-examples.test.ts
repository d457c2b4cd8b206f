// Every `@example` in the public API of @weft/drift, @weft/delivery, @weft/git-source,
// @weft/testkit, @weft/image-automation, @weft/web-view, @weft/merge, @weft/kustomize-lite,
// @weft/progressive, @weft/cli and @weft/reconcile-core is part of a file here that compiles
// (`pnpm typecheck`) and runs (this vitest project) against the in-memory API server and a local
// git server, with the example's imports shown: <package>-api.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPartOf, sampleSources, splitImports } from './sample-check.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const sources = sampleSources(here).filter((source) => source.file.endsWith('-api.test.ts'));

/** Each `@example` code block of a package's sources, with the file and line it is on. */
function examplesOf(pkg: string): { where: string; code: string }[] {
  const dir = join(root, 'packages', pkg, 'src');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.includes('__tests__'))
    .flatMap((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return [...text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)].map((match) => ({
        where: `packages/${pkg}/src/${file}:${text.slice(0, match.index).split('\n').length}`,
        code: match[1]!
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n'),
      }));
    });
}

describe.each(['drift', 'delivery', 'git-source', 'testkit', 'image-automation', 'web-view', 'merge', 'kustomize-lite', 'progressive', 'cli', 'reconcile-core'])('the @examples of @weft/%s', (pkg) => {
  const examples = examplesOf(pkg);

  it('are there', () => {
    // Packages with a wide API have many; @weft/progressive and @weft/cli document a few entry points.
    expect(examples.length).toBeGreaterThanOrEqual(pkg === 'progressive' || pkg === 'cli' ? 1 : 6);
  });

  it('each show their imports of the package', () => {
    const withoutImport = examples.filter((example) => !splitImports(example.code).imports.size).map((example) => example.where);
    expect(withoutImport).toEqual([]);
  });

  it('each are part of a file that runs (docs/examples/*-api.test.ts), imports included', () => {
    const missing = examples.filter((example) => !sources.some((source) => isPartOf(example.code, source))).map((example) => `${example.where}: ${example.code.split('\n').find((line) => line && !line.startsWith('import'))}`);
    expect(missing).toEqual([]);
  });
});
