import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build, KustomizeError, nodeFs, toYamlStream, type JsonValue } from '../index.js';
import { jsonEqual } from '../json.js';
import { decodeYamlStream } from '../yaml-decode.js';

const run = promisify(execFile);

/** What one tool made of one kustomization directory. */
export type BuildOutcome =
  | { readonly ok: true; readonly text: string; readonly objects?: readonly JsonValue[] }
  /** `typed`: the failure was one of kustomize-lite's typed errors (always true for kustomize's). */
  | { readonly ok: false; readonly message: string; readonly typed: boolean };

/** How Weft's build compares with kustomize's on one directory. */
export type Verdict =
  /** Both built, and Weft's YAML text is kustomize's, byte for byte. */
  | 'identical'
  /** Both refused the input. */
  | 'both-failed'
  /** kustomize built it; Weft failed. */
  | 'weft-failed'
  /** Weft built it; kustomize failed. */
  | 'kustomize-failed'
  /** Both built; the texts differ but kubectl reads the same objects from them. */
  | 'formatting'
  /** Both built; kubectl would read different objects. */
  | 'content';

/** Build options shared by both tools. */
export interface DifferentialOptions {
  readonly reorder?: 'legacy' | 'none';
  readonly loadRestrictor?: 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';
}

/** `kustomize build DIR` as a process. */
export async function kustomizeBuild(binary: string, directory: string, options: DifferentialOptions = {}): Promise<BuildOutcome> {
  const args = ['build', directory];
  if (options.reorder !== undefined) args.push('--reorder', options.reorder);
  if (options.loadRestrictor !== undefined) args.push('--load-restrictor', options.loadRestrictor);
  try {
    const { stdout } = await run(binary, args, { maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
    return { ok: true, text: stdout };
  } catch (error) {
    return { ok: false, message: String((error as { stderr?: string }).stderr ?? error).trim(), typed: true };
  }
}

/** Weft's in-process `build()`, with the text `weft-kustomize build` would print. */
export async function weftBuild(directory: string, options: DifferentialOptions = {}): Promise<BuildOutcome> {
  try {
    const objects = await build(directory, { fs: nodeFs(), ...options });
    return { ok: true, text: toYamlStream(objects), objects };
  } catch (error) {
    return { ok: false, message: (error as Error).message, typed: error instanceof KustomizeError };
  }
}

/** A YAML stream as kubectl reads it (sigs.k8s.io/yaml: go-yaml v2, YAML 1.1). */
export function readAsKubectl(text: string): JsonValue[] {
  return decodeYamlStream(text, 'output', { version: 'v2', duplicateKeys: 'last-wins' });
}

/**
 * Compares two outcomes. With both built, the texts are compared byte for byte, then as kubectl
 * reads them; Weft's in-process objects must be what kubectl reads from kustomize's text.
 */
export function compareOutcomes(kustomize: BuildOutcome, weft: BuildOutcome): Verdict {
  if (!kustomize.ok && !weft.ok) return 'both-failed';
  if (!kustomize.ok) return 'kustomize-failed';
  if (!weft.ok) return 'weft-failed';
  const expected = readAsKubectl(kustomize.text);
  if (weft.objects !== undefined && !jsonEqual(weft.objects as JsonValue[], expected)) return 'content';
  if (kustomize.text === weft.text) return 'identical';
  return jsonEqual(readAsKubectl(weft.text), expected) ? 'formatting' : 'content';
}

const kustomizationFileNames = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/** Every directory below `root` (itself included) that holds a kustomization file, sorted. */
export function kustomizationDirectories(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string): void => {
    const entries = readdirSync(directory, { withFileTypes: true });
    if (entries.some((entry) => entry.isFile() && kustomizationFileNames.has(entry.name))) found.push(directory);
    for (const entry of entries) if (entry.isDirectory()) walk(join(directory, entry.name));
  };
  walk(root);
  return found.sort((a, b) => relative(root, a).localeCompare(relative(root, b)));
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
