import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = join(root, 'docs');
const guides = ['README.md', 'getting-started.md', 'concepts.md', 'delivery-pipeline.md', 'testing.md', 'running-in-a-cluster.md'];

/** Whitespace-insensitive form of code, so a sample may be re-indented in a guide. */
const normalize = (code: string) => code.replace(/\s+/g, ' ').trim();

/** The type-checked sources a guide's samples must come from. */
const sampleSources = [
  ...readdirSync(join(docs, 'examples')).filter((file) => file.endsWith('.ts')).map((file) => join(docs, 'examples', file)),
  ...readdirSync(join(root, 'examples', 'hello-reconciler', 'src')).filter((file) => file.endsWith('.ts')).map((file) => join(root, 'examples', 'hello-reconciler', 'src', file)),
].map((file) => normalize(readFileSync(file, 'utf8')));

function codeBlocks(markdown: string, language: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  for (const match of markdown.matchAll(pattern)) blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1]! });
  return blocks;
}

describe('the guides in docs/', () => {
  it.each(guides)('%s: every TypeScript sample is part of a type-checked file (docs/examples or examples/hello-reconciler)', (guide) => {
    const markdown = readFileSync(join(docs, guide), 'utf8');
    const missing = codeBlocks(markdown, 'ts')
      .filter((block) => !sampleSources.some((source) => source.includes(normalize(block.code))))
      .map((block) => `docs/${guide}:${block.line}: ${block.code.split('\n')[0]}`);
    expect(missing).toEqual([]);
  });

  // A file, not a directory: typedoc copies linked files into the reference and warns about directories.
  it.each(guides)('%s: every relative link points at a file that exists', (guide) => {
    const markdown = readFileSync(join(docs, guide), 'utf8');
    const broken = [...markdown.matchAll(/\]\((\.{1,2}\/[^)#\s]*)(#[^)]*)?\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !existsSync(resolve(docs, target)) || !statSync(resolve(docs, target)).isFile())
      .map((target) => `docs/${guide}: ${target}`);
    expect(broken).toEqual([]);
  });
});

describe('the API reference', () => {
  it('builds with typedoc without a warning (validation: notExported, invalidLink, notDocumented)', async () => {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const result = await promisify(execFile)(process.execPath, [typedoc, '--emit', 'none', '--treatWarningsAsErrors'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    const problems = result.output.split('\n').filter((line) => /\[(warning|error)\]/.test(line));
    expect(problems).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
