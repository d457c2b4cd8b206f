/**
 * Packs Weft's packages as `pnpm publish` would, and checks the tarballs: what `pnpm check-packages`
 * (tools/pack-check.ts) and the install test (test/install/install.test.ts) share.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository's root directory. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The fields of a package.json this file reads. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly type?: string;
  readonly sideEffects?: boolean | readonly string[];
  readonly engines?: Readonly<Record<string, string>>;
  readonly files?: readonly string[];
  readonly exports?: unknown;
  readonly publishConfig?: Readonly<Record<string, unknown>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** One package under `packages/`. */
export interface WorkspacePackage {
  readonly name: string;
  /** Absolute path of the package's directory. */
  readonly directory: string;
  readonly manifest: PackageManifest;
}

/** A tarball `pnpm pack` wrote, unpacked next to it for inspection. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
  /** The package.json inside the tarball (pnpm rewrites `workspace:` ranges on the way in). */
  readonly manifest: PackageManifest;
  /** Every file in the tarball, relative to the package root (`dist/index.js`, …). */
  readonly files: readonly string[];
  /** Where the tarball was unpacked (its `package/` directory). */
  readonly unpackedDirectory: string;
  /** The package's directory in the repository (its `src/` is checked too). */
  readonly sourceDirectory: string;
}

/** Options of the verbs here that run commands. */
export interface CommandOptions {
  readonly signal?: AbortSignal;
  /** Progress lines; default silent. */
  readonly log?: (line: string) => void;
}

/** Every package under `packages/`, sorted by directory name; private ones included. */
export async function workspacePackages(root: string = repositoryRoot): Promise<WorkspacePackage[]> {
  const entries = await readdir(join(root, 'packages'), { withFileTypes: true });
  const packages: WorkspacePackage[] = [];
  for (const entry of entries.filter((candidate) => candidate.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const directory = join(root, 'packages', entry.name);
    const manifestPath = join(directory, 'package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8').catch(() => 'null')) as PackageManifest | null;
    if (manifest) packages.push({ name: manifest.name, directory, manifest });
  }
  return packages;
}

/** The packages that are published: those not marked `private`. */
export async function publicPackages(root: string = repositoryRoot): Promise<WorkspacePackage[]> {
  return (await workspacePackages(root)).filter((candidate) => candidate.manifest.private !== true);
}

/**
 * Builds the packages whose `dist/` is missing or older than their sources (CI builds every
 * package before the tests, so there this builds nothing); `force` builds them all.
 */
export async function buildPackages(packages: readonly WorkspacePackage[], options: CommandOptions & { readonly force?: boolean } = {}): Promise<string[]> {
  const stale: WorkspacePackage[] = [];
  for (const workspacePackage of packages) {
    if (options.force || (await isBuildStale(workspacePackage.directory))) stale.push(workspacePackage);
  }
  if (stale.length === 0) return [];
  options.log?.(`building ${stale.map((candidate) => candidate.name).join(', ')}`);
  await runCommand('pnpm', [...stale.flatMap((candidate) => ['--filter', candidate.name]), 'run', 'build'], { cwd: repositoryRoot, ...options });
  return stale.map((candidate) => candidate.name);
}

/** Whether `dist/` lacks a declaration or is older than a file of `src/` (tests excluded) or the manifest. */
async function isBuildStale(directory: string): Promise<boolean> {
  const built = await stat(join(directory, 'dist', 'index.d.cts')).catch(() => undefined);
  if (!built) return true;
  const sources = await readdir(join(directory, 'src'), { recursive: true, withFileTypes: true });
  const inputs = [
    join(directory, 'package.json'),
    join(directory, 'tsup.config.ts'),
    ...sources
      .filter((entry) => entry.isFile() && !entry.parentPath.includes('__tests__') && !/\.test\.ts$/.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name)),
  ];
  for (const input of inputs) {
    const source = await stat(input).catch(() => undefined);
    if (source && source.mtimeMs > built.mtimeMs) return true;
  }
  return false;
}

/**
 * Packs each package with `pnpm pack` into `destination` (which must exist) and unpacks each
 * tarball beside it, as a registry would hand it to `npm install`.
 */
export async function packPackages(packages: readonly WorkspacePackage[], destination: string, options: CommandOptions = {}): Promise<PackedPackage[]> {
  const packed: PackedPackage[] = [];
  for (const workspacePackage of packages) {
    const output = await runCommand('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: workspacePackage.directory, ...options });
    const report = JSON.parse(output) as { name: string; version: string; filename: string; files: { path: string }[] };
    const unpackedParent = await mkdtemp(join(destination, `${workspacePackage.name.replace(/^@/, '').replace('/', '-')}-`));
    await runCommand('tar', ['-xzf', report.filename, '-C', unpackedParent], options);
    const unpackedDirectory = join(unpackedParent, 'package');
    const manifest = JSON.parse(await readFile(join(unpackedDirectory, 'package.json'), 'utf8')) as PackageManifest;
    packed.push({
      name: report.name,
      version: report.version,
      tarball: report.filename,
      manifest,
      files: report.files.map((file) => file.path).sort(),
      unpackedDirectory,
      sourceDirectory: workspacePackage.directory,
    });
    options.log?.(`packed ${report.name}@${report.version}: ${report.files.length} files`);
  }
  return packed;
}

/** A fresh temporary directory outside the repository; remove it with the returned function. */
export async function temporaryDirectory(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

const dependencyFields = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;
const builtins = new Set(builtinModules);

/**
 * Dependencies whose classes cross the packages' API (a `KubeConfig` the user makes and passes in):
 * each must be one copy, the user's, so a package lists it only in `peerDependencies`, with this
 * range. As a `dependency` pinned to one version, npm nests a second copy beside the user's and
 * the user's `KubeConfig` no longer type-checks against the package's.
 */
export const peerOnlyDependencies: Readonly<Record<string, string>> = { '@kubernetes/client-node': '^1.3.0 || ^2.0.0' };

/** How a manifest breaks {@link peerOnlyDependencies}: one line per dependency declared elsewhere or with another range. */
export function peerDependencyProblems(manifest: PackageManifest): string[] {
  const problems: string[] = [];
  for (const [dependency, range] of Object.entries(peerOnlyDependencies)) {
    for (const field of ['dependencies', 'optionalDependencies'] as const) {
      if (manifest[field]?.[dependency]) problems.push(`${manifest.name}: ${field} has "${dependency}", which must be a peer dependency ("${range}") so the user's copy is the only one`);
    }
    const peer = manifest.peerDependencies?.[dependency];
    if (peer !== undefined && peer !== range) problems.push(`${manifest.name}: peerDependencies.${dependency} is "${peer}", not "${range}" as in the other packages`);
  }
  return problems;
}

/**
 * What is wrong with a packed package that publint and are-the-types-wrong do not look at: the
 * fields a user's tools read (license, engines, sideEffects, files, exports, public access),
 * `workspace:` ranges left in the manifest, and dependencies: every package that a packed file
 * (JavaScript or declaration) or a source file (tests aside) imports must be declared, and every
 * declared one must be imported; {@link peerOnlyDependencies} are peer dependencies.
 */
export async function manifestProblems(packed: PackedPackage): Promise<string[]> {
  const { manifest } = packed;
  const problems: string[] = [...peerDependencyProblems(manifest)];
  const named = (message: string) => problems.push(`${packed.name}: ${message}`);
  if (!manifest.license) named('package.json has no "license"');
  if (!manifest.engines?.['node']) named('package.json has no "engines.node"');
  if (manifest.sideEffects === undefined) named('package.json does not say "sideEffects"');
  if (!manifest.files) named('package.json has no "files" list');
  if (!packed.files.some((path) => /^(LICEN[CS]E|COPYING)(\.(md|txt))?$/i.test(path))) named(`the tarball holds no LICENSE file (the ${manifest.license ?? 'declared'} license's text must travel with the code)`);
  if (!manifest.exports) named('package.json has no "exports" map');
  if (packed.name.startsWith('@') && manifest.publishConfig?.['access'] !== 'public') named('a scoped package needs "publishConfig": { "access": "public" } to publish');
  for (const field of [...dependencyFields, 'devDependencies'] as const) {
    for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:')) named(`${field}.${dependency} is still "${range}" in the packed package.json`);
    }
  }

  const declared = new Set(dependencyFields.flatMap((field) => Object.keys(manifest[field] ?? {})));
  const imported = new Map<string, string>();
  const packedFiles = packed.files.filter((path) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(path)).map((path) => ({ root: packed.unpackedDirectory, path }));
  // The sources too: tsup bundles an import that package.json does not declare (when it resolves
  // from the repository root), which hides it from the packed files.
  const sources = (await readdir(join(packed.sourceDirectory, 'src'), { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.(c|m)?ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !entry.parentPath.includes('__tests__'))
    .map((entry) => ({ root: packed.sourceDirectory, path: relative(packed.sourceDirectory, join(entry.parentPath, entry.name)) }));
  for (const file of [...packedFiles, ...sources]) {
    const text = await readFile(join(file.root, file.path), 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName: specifier } of importedFiles) {
      const dependency = packageNameOf(specifier);
      if (dependency === undefined || dependency === packed.name) continue;
      if (!imported.has(dependency)) imported.set(dependency, file.path);
    }
  }
  for (const [dependency, file] of imported) {
    if (!declared.has(dependency)) named(`${file} imports "${dependency}", which package.json does not declare in dependencies`);
  }
  for (const dependency of declared) {
    if (!imported.has(dependency)) named(`declares "${dependency}" but no packed or source file imports it`);
  }
  return problems;
}

/** `lodash/fp` → `lodash`, `@scope/name/sub` → `@scope/name`; undefined for relative paths and Node built-ins. */
function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.includes('${')) return undefined;
  const segments = specifier.split('/');
  const name = specifier.startsWith('@') ? segments.slice(0, 2).join('/') : segments[0]!;
  return builtins.has(name) ? undefined : name;
}

/** One tool's verdict on one tarball: whether it passed, and what it printed. */
export interface Verdict {
  readonly ok: boolean;
  readonly detail: string;
}

/** What {@link checkPackedPackage} found, per tool. */
export interface PackageVerdicts {
  /** publint, strict: errors, warnings and suggestions all fail. */
  readonly publint: Verdict;
  /** are-the-types-wrong, strict profile: node10, node16 from CommonJS and from ESM, bundler. */
  readonly attw: Verdict;
  /** {@link manifestProblems}. */
  readonly manifest: Verdict;
}

/** Runs publint, are-the-types-wrong and {@link manifestProblems} on a packed package. */
export async function checkPackedPackage(packed: PackedPackage, options: CommandOptions = {}): Promise<PackageVerdicts> {
  const publint = await runTool('publint', ['run', '--strict', '--level', 'suggestion', packed.tarball], options);
  // publint exits 0 on suggestions even with --strict; they are problems here too.
  const publintFlagged = /^\s*(Errors?|Warnings?|Suggestions?):/m.test(publint.detail);
  const attw = await runTool('attw', [packed.tarball, '--format', 'ascii', '--profile', 'strict'], options);
  const problems = await manifestProblems(packed);
  return {
    publint: { ok: publint.ok && !publintFlagged, detail: publint.detail },
    attw,
    manifest: { ok: problems.length === 0, detail: problems.join('\n') },
  };
}

/** Runs one of the repository's own executables (node_modules/.bin) with colours off; a non-zero exit is a failed verdict. */
async function runTool(name: string, args: readonly string[], options: CommandOptions): Promise<Verdict> {
  try {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    return { ok: true, detail: await runCommand(join(repositoryRoot, 'node_modules', '.bin', name), args, { ...options, env }) };
  } catch (error) {
    if (error instanceof CommandError) return { ok: false, detail: error.output };
    throw error;
  }
}

/** The outcome of {@link runCommand} when the command fails. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${command} exited with ${exitCode ?? 'a signal'}:\n${output.slice(-4000)}`);
  }
}

/**
 * Runs a command; resolves with its standard output when it exits 0, rejects with a
 * {@link CommandError} carrying both outputs otherwise. The signal kills it.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions & { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, signal: options.signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let combined = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      combined += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      combined += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new CommandError(`${command} ${args.join(' ')}`, code, combined));
    });
  });
}
