// How a documented sample is tied to code that compiles and runs: its import lines must be
// imports of the file (the same names from the same modules) and the rest of it must be a verbatim
// part of the file, whitespace aside. A guide or an @example can then show its imports while the
// file that runs it keeps them at its top.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whitespace-insensitive form of code, so a sample may be re-indented. */
export const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();

const importStatement = /^\s*import\s+(type\s+)?(?:\{([^}]*)\}|([A-Za-z_$][\w$]*))\s+from\s+'([^']+)';?\s*$/gm;

/** A sample split into what it imports (`module → names`) and the code after the imports. */
export function splitImports(code: string): { imports: Map<string, Set<string>>; body: string } {
  const imports = new Map<string, Set<string>>();
  const body = code.replace(importStatement, (_all, _type: string | undefined, named: string | undefined, single: string | undefined, module: string) => {
    const names = imports.get(module) ?? new Set<string>();
    for (const name of (named ?? single ?? '').split(',')) {
      const clean = name.replace(/^\s*type\s+/, '').replace(/\s+as\s+.*$/, '').trim();
      if (clean) names.add(clean);
    }
    imports.set(module, names);
    return '';
  });
  return { imports, body };
}

/** A file a sample may come from: its imports and its normalised text. */
export interface SampleSource {
  readonly file: string;
  readonly imports: Map<string, Set<string>>;
  readonly text: string;
}

/** The sources in `directory` (every `.ts` file). */
export function sampleSources(directory: string): SampleSource[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => {
      const code = readFileSync(join(directory, file), 'utf8');
      return { file: join(directory, file), imports: splitImports(code).imports, text: normalize(code) };
    });
}

/** Whether `sample` is part of `source`: its body verbatim, each of its imports imported there. */
export function isPartOf(sample: string, source: SampleSource): boolean {
  const { imports, body } = splitImports(sample);
  if (!source.text.includes(normalize(body))) return false;
  for (const [module, names] of imports) for (const name of names) if (!source.imports.get(module)?.has(name)) return false;
  return true;
}
