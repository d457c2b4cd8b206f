import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * An esbuild plugin for the `weft` binary: `import { a, b } from '@weft/pkg'` in Weft's sources
 * becomes one import per name from the module that defines it (`packages/pkg/src/….ts`).
 *
 * @remarks Why: with code splitting, a chunk that imports a package's index.ts (a barrel of
 * re-exports) gets every module that barrel reaches, so `weft get` would load rxjs, ajv and
 * isomorphic-git it never calls. Deep imports keep each verb's chunk to what it uses. Type-only
 * names are dropped (esbuild erases them anyway); a name the barrel does not re-export fails the build.
 */
export function barrelImports(packagesDir: string): Plugin {
  const exportsOf = new Map<string, Map<string, { file: string; name: string }>>();
  const table = (pkg: string) => {
    let names = exportsOf.get(pkg);
    if (!names) {
      names = new Map();
      collect(join(packagesDir, pkg, 'src', 'index.ts'), names, packagesDir);
      exportsOf.set(pkg, names);
    }
    return names;
  };
  return {
    name: 'weft-barrel-imports',
    setup(build) {
      build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const contents = source.replace(/^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@weft\/([^'/]+)';/gm, (_all, typeOnly: string | undefined, names: string, pkg: string) => {
          if (typeOnly) return '';
          const exported = table(pkg);
          const lines: string[] = [];
          for (const raw of names.split(',').map((part) => part.trim()).filter(Boolean)) {
            if (raw.startsWith('type ')) continue;
            const [imported, local] = raw.split(/\s+as\s+/) as [string, string | undefined];
            const target = exported.get(imported);
            if (!target) throw new Error(`${args.path}: @weft/${pkg} does not export ${imported}`);
            lines.push(`import { ${target.name} as ${local ?? imported} } from ${JSON.stringify(target.file)};`);
          }
          return lines.join(' ');
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * The value exports of a barrel: `export { a, b as c } from './x.js'` and `export * from './y.js'`,
 * followed down; a name re-exported from another Weft package (`export { CancelledError } from
 * '@weft/reconcile-core'`) is followed into that package's barrel.
 */
function collect(file: string, names: Map<string, { file: string; name: string }>, packagesDir: string): void {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^export\s+(type\s+)?(\*|\{[^}]*\})\s+from\s+'([^']+)';/gm)) {
    if (match[1]) continue;
    const specifier = match[3]!;
    const otherPackage = /^@weft\/([^/]+)$/.exec(specifier)?.[1];
    let resolved: Map<string, { file: string; name: string }> | undefined;
    if (otherPackage) {
      resolved = new Map();
      collect(join(packagesDir, otherPackage, 'src', 'index.ts'), resolved, packagesDir);
    }
    const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    if (match[2] === '*') {
      if (resolved) for (const [name, entry] of resolved) names.set(name, entry);
      else collect(target, names, packagesDir);
      continue;
    }
    for (const raw of match[2]!.slice(1, -1).split(',').map((part) => part.trim()).filter(Boolean)) {
      if (raw.startsWith('type ')) continue;
      const [name, alias] = raw.split(/\s+as\s+/) as [string, string | undefined];
      const entry = resolved ? resolved.get(name) : { file: target, name };
      if (!entry) throw new Error(`${file}: ${specifier} does not export ${name}`);
      names.set(alias ?? name, entry);
    }
  }
}
