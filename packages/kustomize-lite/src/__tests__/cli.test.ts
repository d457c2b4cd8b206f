import { execFileSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../index.js';

describe('weft-kustomize CLI', () => {
  const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'kustomization.yaml'), 'resources: [svc.yaml, ns.yaml]\nnamePrefix: dev-\n');
  writeFileSync(join(root, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n');
  writeFileSync(join(root, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n');

  it('writes a legacy-sorted YAML stream by default and keeps input order with --reorder none', async () => {
    const sorted = await runCli(['build', root]);
    expect(sorted.exitCode).toBe(0);
    expect(sorted.stdout).toMatch(/^apiVersion: v1\nkind: Namespace[\s\S]*---\napiVersion: v1\nkind: Service\nmetadata:\n {2}name: dev-web\n$/);
    const fifo = await runCli(['build', root, '--reorder', 'none']);
    expect(fifo.stdout.indexOf('kind: Service')).toBeLessThan(fifo.stdout.indexOf('kind: Namespace'));
  });

  it('writes to -o FILE', async () => {
    const output = join(root, 'out.yaml');
    const result = await runCli(['build', root, '-o', output]);
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(readFileSync(output, 'utf8')).toContain('name: dev-web');
  });

  it('reports errors as kustomize does: exit code 1 and "Error: …" on stderr', async () => {
    const missing = await runCli(['build', join(root, 'nope')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^Error: must build at directory: not a valid directory: evalsymlink failure on '.*nope'/);
    expect((await runCli(['build', root, '--load-restrictor', 'Whatever'])).stderr).toContain('illegal flag value --load-restrictor Whatever');
    expect((await runCli(['build', root, '--frobnicate'])).stderr).toBe('Error: unknown flag: --frobnicate\n');
  });
});

describe('weft-kustomize executable (issue 14 #10: linked after pnpm install && pnpm build)', () => {
  const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const workspaceRoot = resolve(packageRoot, '../..');
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };

  it('points its bin at a committed, executable launcher, so pnpm links it at install time before any build', () => {
    const target = manifest.bin['weft-kustomize'];
    expect(target).toBe('./bin/weft-kustomize.cjs');
    const launcher = join(packageRoot, target!);
    expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    accessSync(launcher, constants.X_OK);
    expect(execFileSync('git', ['ls-files', '--error-unmatch', target!], { cwd: packageRoot, encoding: 'utf8' }).trim()).toBe('bin/weft-kustomize.cjs');
    expect(manifest.files).toContain('bin');
  });

  it('is linked in the workspace root, so `pnpm exec weft-kustomize` works from a fresh clone', () => {
    const root = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(root.devDependencies['@weft/kustomize-lite']).toBe('workspace:*');
    const linked = join(workspaceRoot, 'node_modules', '.bin', 'weft-kustomize');
    expect(existsSync(linked)).toBe(true);
    if (!existsSync(join(packageRoot, 'dist', 'weft-kustomize.cjs'))) {
      // not built yet: the launcher says so instead of a stack trace
      let failure = '';
      try {
        execFileSync(linked, ['--help'], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        failure = String((error as { stderr?: string }).stderr);
      }
      expect(failure).toMatch(/weft-kustomize\.cjs is missing: build the package first \(pnpm build\)/);
      return;
    }
    const help = execFileSync(linked, ['--help'], { encoding: 'utf8', env: { ...process.env, WEFT_KUSTOMIZE_CODE_CACHE: '0' } });
    expect(help).toMatch(/^Usage:\n {2}weft-kustomize build \[DIR\]/);
  });
});

describe('the weft-kustomize launcher', () => {
  const launcher = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/weft-kustomize.cjs');
  const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-launcher-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** An installation of the launcher with a stand-in bundle whose main() prints its arguments. */
  function install(name: string): { run: (...args: string[]) => string; bundle: string } {
    mkdirSync(join(root, name, 'bin'), { recursive: true });
    mkdirSync(join(root, name, 'dist'), { recursive: true });
    copyFileSync(launcher, join(root, name, 'bin', 'weft-kustomize.cjs'));
    const bundle = join(root, name, 'dist', 'weft-kustomize.cjs');
    writeFileSync(bundle, 'exports.main = async (argv = process.argv.slice(2)) => { process.stdout.write(`ran ${argv.join(" ")}\\n`); };\n');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(root, 'cache') };
    delete env['WEFT_KUSTOMIZE_CODE_CACHE'];
    return { run: (...args) => execFileSync(process.execPath, [join(root, name, 'bin', 'weft-kustomize.cjs'), ...args], { encoding: 'utf8', env }), bundle };
  }
  const cached = (): string[] => (existsSync(join(root, 'cache', 'weft-kustomize')) ? readdirSync(join(root, 'cache', 'weft-kustomize')).sort() : []);

  it('keeps one code cache file per installation, replacing it when the bundle changes', () => {
    const first = install('first');
    expect(first.run('build', 'x')).toBe('ran build x\n');
    if (typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
      // Node 22 and later: Node's own compile cache, nothing of the launcher's
      expect(cached()).toEqual([]);
      return;
    }
    const [written] = cached();
    expect(cached()).toHaveLength(1);
    expect(first.run('build', 'y')).toBe('ran build y\n');
    expect(cached()).toEqual([written]);

    utimesSync(first.bundle, new Date(), new Date(Date.now() + 60_000));
    expect(first.run('build', 'z')).toBe('ran build z\n');
    expect(cached()).toHaveLength(1);
    expect(cached()).not.toEqual([written]);

    install('second').run('--help');
    expect(cached()).toHaveLength(2);
  });
});
