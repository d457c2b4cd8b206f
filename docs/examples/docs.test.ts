import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, type Comment, ConsoleLogger, LogLevel, TSConfigReader, TypeDocReader } from 'typedoc';
import { describe, expect, it } from 'vitest';
import { isPartOf, sampleSources } from './sample-check.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const docs = join(root, 'docs');
const guides = ['README.md', 'getting-started.md', 'concepts.md', 'delivery-pipeline.md', 'drift.md', 'testing.md', 'running-in-a-cluster.md', 'cli.md'];

/** The type-checked sources a guide's samples must come from (a sample's imports must be the file's imports, the rest verbatim). */
const sources = [...sampleSources(join(docs, 'examples')), ...sampleSources(join(root, 'examples', 'hello-reconciler', 'src'))];

function codeBlocks(markdown: string, language: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```', 'gm');
  for (const match of markdown.matchAll(pattern)) blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1]! });
  return blocks;
}

describe('the guides in docs/', () => {
  it.each(guides)('%s: every TypeScript sample is part of a type-checked file (docs/examples or examples/hello-reconciler), its imports included', (guide) => {
    const markdown = readFileSync(join(docs, guide), 'utf8');
    const missing = codeBlocks(markdown, 'ts')
      .filter((block) => !sources.some((source) => isPartOf(block.code, source)))
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
  it('builds with typedoc without a warning (validation: notExported, invalidLink, notDocumented), and every public export has a summary', async () => {
    const logger = new CollectingLogger();
    // The options of `pnpm run docs` (typedoc.json), converted and validated in process without writing HTML.
    const app = await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json'), treatWarningsAsErrors: true }, [new TypeDocReader(), new TSConfigReader()]);
    app.logger = logger;
    const project = await app.convert();
    expect(project, logger.problems.join('\n')).toBeDefined();
    app.validate(project!);
    expect(logger.problems).toEqual([]);

    const packages = project!.children ?? [];
    expect(packages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['@weft/reconcile-core', '@weft/testkit', '@weft/git-source', '@weft/kustomize-lite', '@weft/drift', '@weft/merge']));
    const withoutSummary = packages.flatMap((pkg) =>
      (pkg.children ?? []).filter((exported) => !hasSummary(exported.comment) && !(exported.signatures ?? []).some((signature) => hasSummary(signature.comment))).map((exported) => `${pkg.name}: ${exported.name}`),
    );
    expect(withoutSummary).toEqual([]);
    const guides = (project!.documents ?? []).map((document) => document.name);
    expect(guides.slice(0, 3)).toEqual(['Getting started', 'Concepts', 'The delivery pipeline']);
  });
});

/** Keeps typedoc's warnings and errors for the assertion (and still prints them). */
class CollectingLogger extends ConsoleLogger {
  readonly problems: string[] = [];
  override log(message: string, level: Exclude<LogLevel, LogLevel.None>): void {
    if (level >= LogLevel.Warn) this.problems.push(`${LogLevel[level]}: ${message}`);
    super.log(message, level);
  }
}

function hasSummary(comment: Comment | undefined): boolean {
  return (comment?.summary ?? []).some((part) => part.text.trim() !== '');
}
