import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the kustomize conformance data lives: `test-data/kustomize` in this package (see its README). */
export const conformanceRoot = process.env['WEFT_KUSTOMIZE_CONFORMANCE'] ?? join(dirname(fileURLToPath(import.meta.url)), '../../test-data/kustomize');

/** One conformance case: its inputs as memory-fs files rooted at `/`, and what to expect. */
export interface ConformanceCase {
  readonly name: string;
  readonly files: Record<string, Uint8Array>;
  readonly buildDir: string;
  readonly reorder: 'legacy' | 'none';
  readonly loadRestrictor: 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';
  readonly expectedYaml: string | undefined;
  readonly errorContains: readonly string[];
}

function collect(directory: string, root: string, files: Record<string, Uint8Array>): void {
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) collect(path, root, files);
    else {
      const name = `/${relative(root, path)}`;
      if (name === '/case.json' || name === '/expected.yaml') continue;
      files[name] = readFileSync(path);
    }
  }
}

/** Loads every case of `cases/` or `errors/`. */
export function loadConformanceCases(kind: 'cases' | 'errors'): ConformanceCase[] {
  const base = join(conformanceRoot, kind);
  return readdirSync(base)
    .sort()
    .map((name) => {
      const directory = join(base, name);
      const meta = JSON.parse(readFileSync(join(directory, 'case.json'), 'utf8')) as {
        build_dir: string;
        options: { reorder?: string; loadRestrictions?: string };
        error_contains?: string[];
      };
      const files: Record<string, Uint8Array> = {};
      collect(directory, directory, files);
      let expectedYaml: string | undefined;
      try {
        expectedYaml = readFileSync(join(directory, 'expected.yaml'), 'utf8');
      } catch {
        expectedYaml = undefined;
      }
      return {
        name,
        files,
        buildDir: `/${meta.build_dir === '.' ? '' : meta.build_dir}`,
        reorder: meta.options.reorder === 'legacy' ? 'legacy' : 'none',
        loadRestrictor: meta.options.loadRestrictions === 'none' ? 'LoadRestrictionsNone' : 'LoadRestrictionsRootOnly',
        expectedYaml,
        errorContains: meta.error_contains ?? [],
      };
    });
}
