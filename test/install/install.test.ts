/**
 * Weft as a user gets it: every public package packed with `pnpm pack`, the tarballs installed
 * with `npm install` into a fresh project outside the repository (third-party dependencies come
 * from the npm registry), each tarball checked with publint and are-the-types-wrong, the
 * `weft-kustomize` executable run from node_modules/.bin, and a small ConfigMap reconciler compiled
 * against the packages with strict `tsc` as an ES module and as CommonJS, each build run against
 * testkit's in-memory API server.
 *
 * Needs no control plane; it builds the packages only when their dist/ is stale (CI builds them
 * before the tests). Nothing is written inside the repository.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, checkPackedPackage, packPackages, publicPackages, repositoryRoot, runCommand, temporaryDirectory, type PackageVerdicts, type PackedPackage } from '../../tools/pack.ts';
import { consumerSource, consumerTsconfig } from './consumer.ts';

const rootManifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
/**
 * The consumer compiles with the TypeScript and Node types the repository itself pins, and
 * `@types/ws`: with `skipLibCheck: false`, tsc checks `@kubernetes/client-node`'s declarations,
 * which reach `isomorphic-ws`, whose `index.d.ts` imports `ws` without depending on its types.
 * A user who turns skipLibCheck off needs it too (with the default `skipLibCheck: true` nothing is needed).
 */
const consumerDevDependencies = {
  typescript: rootManifest.devDependencies['typescript'],
  '@types/node': rootManifest.devDependencies['@types/node'],
  '@types/ws': '8.18.2',
};

/** The environment of a user's shell: none of the npm/pnpm settings that `pnpm test` passes down. */
const userEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_|NODE_OPTIONS$|NODE_ENV$|VITEST)/i.test(name)),
);

/** Runs a step and prints how long it took (the figures the test's report quotes). */
async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    console.log(`[install] ${step}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/**
 * The client-node the getting-started install line names for this Node: it is a peer dependency
 * of the packages, and npm would otherwise pick the newest (2.x), which does not load on Node 20.
 */
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
const clientNode = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 19) ? '@kubernetes/client-node' : '@kubernetes/client-node@1';

const formats = [
  { folder: 'esm', type: 'module', emitted: /^import [^;]* from '@weft\/reconcile-core';$/m },
  { folder: 'cjs', type: 'commonjs', emitted: /require\("@weft\/reconcile-core"\)/ },
] as const;

describe('the packed packages installed with npm into a fresh project', () => {
  let project: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let app = '';
  let packed: PackedPackage[] = [];
  /** publint and attw on each tarball, run while npm installs. */
  let checks: Promise<Record<string, PackageVerdicts>> = Promise.resolve({});
  const signal = AbortSignal.timeout(10 * 60_000);

  beforeAll(async () => {
    const packages = await publicPackages();
    const built = await timed('build (stale packages only)', () => buildPackages(packages, { signal }));
    if (built.length > 0) console.log(`[install] built ${built.join(', ')}`);
    project = await temporaryDirectory('weft-install-');
    const tarballs = join(project.path, 'tarballs');
    app = join(project.path, 'app');
    await mkdir(tarballs);
    await mkdir(app);
    packed = await timed('pnpm pack', () => packPackages(packages, tarballs, { signal }));
    checks = timed('publint + attw', async () => {
      const verdicts: Record<string, PackageVerdicts> = {};
      for (const tarball of packed) verdicts[tarball.name] = await checkPackedPackage(tarball, { signal });
      return verdicts;
    });
    // Awaited by its own test; until then a failure must not count as unhandled.
    checks.catch(() => undefined);

    const manifest = { name: 'weft-install-check', version: '1.0.0', private: true, devDependencies: consumerDevDependencies };
    await writeFile(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // As a user would: npm, the public registry for everything but the tarballs, no repository config.
    await timed('npm install', () =>
      runCommand('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((tarball) => tarball.tarball), clientNode], { cwd: app, signal, env: userEnvironment }),
    );

    for (const { folder, type } of formats) {
      await mkdir(join(app, folder, 'src'), { recursive: true });
      await writeFile(join(app, folder, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
      await writeFile(join(app, folder, 'tsconfig.json'), `${JSON.stringify(consumerTsconfig, null, 2)}\n`);
      await writeFile(join(app, folder, 'src', 'main.ts'), consumerSource);
    }
  }, 10 * 60_000);

  afterAll(async () => {
    await project?.remove();
  });

  it('installs every public package from its tarball, with dependencies npm can resolve', async () => {
    expect(packed.map((tarball) => tarball.name).sort()).toEqual((await publicPackages()).map((candidate) => candidate.name).sort());
    const installed = await readdir(join(app, 'node_modules', '@weft'));
    expect(installed.sort()).toEqual(packed.map((tarball) => tarball.name.replace('@weft/', '')).sort());
    for (const tarball of packed) {
      for (const [dependency, range] of Object.entries(tarball.manifest.dependencies ?? {})) {
        expect(range, `${tarball.name} → ${dependency}`).not.toMatch(/^workspace:/);
      }
    }
    // `npm ls` exits non-zero on a missing, invalid or extraneous dependency anywhere in the tree.
    await runCommand('npm', ['ls', '--all', '--loglevel=error'], { cwd: app, signal, env: userEnvironment });
    // client-node is a peer dependency of the packages: one copy, the project's own.
    const copies = (await runCommand('npm', ['ls', '@kubernetes/client-node', '--all', '--parseable', '--loglevel=error'], { cwd: app, signal, env: userEnvironment })).trim().split('\n');
    expect([...new Set(copies)]).toEqual([join(app, 'node_modules', '@kubernetes', 'client-node')]);
  });

  it('passes publint, are-the-types-wrong and the manifest checks, package by package', async () => {
    const failures = Object.entries(await checks).flatMap(([name, verdicts]) =>
      Object.entries(verdicts)
        .filter(([, verdict]) => !verdict.ok)
        .map(([tool, verdict]) => `${name}: ${tool}\n${verdict.detail.trim()}`),
    );
    expect(failures).toEqual([]);
  });

  it('runs the weft command npm linked into node_modules/.bin: its bundled chunks, its build-time kinds and manifests, a one-line error', async () => {
    const weft = join(app, 'node_modules', '.bin', 'weft');
    expect(await runCommand(weft, ['version'], { cwd: app, signal, env: userEnvironment })).toBe('weft 0.0.0\n');
    const manifests = await runCommand(weft, ['install', '--export'], { cwd: app, signal, env: userEnvironment });
    expect(manifests).toContain('name: kustomizations.kustomize.weft.dev');
    expect(manifests).toContain('name: weft-gitops-operator');
    const failed = await runCommand(weft, ['get', 'kustomizations', '-A', '--kubeconfig', join(app, 'missing')], { cwd: app, signal, env: userEnvironment }).catch((error: { output?: string }) => error.output ?? '');
    expect(failed).toBe(`✗ kubeconfig ${join(app, 'missing')} does not exist (--kubeconfig): point --kubeconfig or KUBECONFIG at your cluster's kubeconfig\n`);
  });

  it('runs the weft-kustomize executable npm linked into node_modules/.bin', async () => {
    const overlay = join(app, 'kustomize');
    await mkdir(overlay);
    await writeFile(join(overlay, 'kustomization.yaml'), 'namePrefix: dev-\nresources:\n  - settings.yaml\n');
    await writeFile(join(overlay, 'settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n');
    const stdout = await runCommand(join(app, 'node_modules', '.bin', 'weft-kustomize'), ['build', overlay], { cwd: app, signal, env: userEnvironment });
    expect(stdout).toBe('apiVersion: v1\ndata:\n  mode: fast\nkind: ConfigMap\nmetadata:\n  name: dev-settings\n');
  });

  it('builds on a worker thread from the installed package (kustomize-lite buildInWorker, as ES module and CommonJS)', async () => {
    const overlay = join(app, 'kustomize-worker');
    await mkdir(overlay);
    await writeFile(join(overlay, 'kustomization.yaml'), 'namePrefix: dev-\nresources:\n  - settings.yaml\n');
    await writeFile(join(overlay, 'settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n');
    // inProcessUpToBytes 0: even this small tree goes to the worker (dist/build-worker.cjs)
    const call = `buildInWorker(${JSON.stringify(overlay)}, { inProcessUpToBytes: 0 }).then((built) => console.log(built.map((entry) => entry.object.metadata.name).join()))`;
    const esm = await runCommand(process.execPath, ['--input-type=module', '-e', `import { buildInWorker } from '@weft/kustomize-lite';\n${call}`], { cwd: app, signal, env: userEnvironment });
    const cjs = await runCommand(process.execPath, ['-e', `const { buildInWorker } = require('@weft/kustomize-lite');\n${call}`], { cwd: app, signal, env: userEnvironment });
    expect([esm, cjs]).toEqual(['dev-settings\n', 'dev-settings\n']);
  });

  for (const { folder, type, emitted } of formats) {
    describe(`a ${type} consumer`, () => {
      it('compiles with strict tsc (nodenext, noUncheckedIndexedAccess, skipLibCheck false)', async () => {
        await timed(`tsc (${type})`, () => runCommand(join(app, 'node_modules', '.bin', 'tsc'), ['-p', join(app, folder)], { cwd: app, signal, env: userEnvironment }));
        const output = await readFile(join(app, folder, 'dist', 'main.js'), 'utf8');
        expect(output).toMatch(emitted);
      });

      it('runs its reconciler against the in-memory API server', async () => {
        const stdout = await runCommand(process.execPath, [join(app, folder, 'dist', 'main.js')], {
          cwd: join(app, folder),
          signal,
          env: { ...userEnvironment, LOG_LEVEL: 'warn' },
        });
        const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as unknown;
        expect(result).toEqual({ format: type, mirror: { text: 'HELLO FROM NPM' } });
      });
    });
  }
});
