/**
 * The project a user writes after `npm install @weft/…`: its files, as text written into a fresh
 * directory by install.test.ts. The same TypeScript source is compiled twice, once in a
 * `"type": "module"` folder (tsc emits `import`) and once in a `"type": "commonjs"` folder (tsc
 * emits `require`), both with `module`/`moduleResolution` `nodenext`, so each resolves the
 * packages' `import` or `require` condition and its own `.d.ts` or `.d.cts`.
 */

/** Compiler options as strict as a careful user sets them; `skipLibCheck: false` checks every dependency's declarations too. */
export const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    skipLibCheck: false,
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

/** The label that asks the reconciler for a mirror. */
export const mirrorLabel = 'install-check.weft.dev/mirror';

/**
 * A reconciler over ConfigMaps: each one labelled {@link mirrorLabel} gets a `<name>-mirror`
 * ConfigMap with its values in upper case. `main` starts testkit's in-memory API server, runs the
 * reconciler under a Manager, creates a labelled ConfigMap, waits for the mirror and prints one
 * JSON line: the module format it ran as and the mirror's data.
 */
export const consumerSource = `import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigMapKind,
  controller,
  createLogger,
  done,
  isNotFoundError,
  KubeClient,
  Manager,
  Reconciler,
  type ObjectOf,
  type ReconcileContext,
  type Result,
  WeftError,
} from '@weft/reconcile-core';
import { startApiServer } from '@weft/testkit';
import { applySet } from '@weft/drift';
import { fetchArtifact } from '@weft/git-source';
import { build } from '@weft/kustomize-lite';
import { applyStrategicMergePatch } from '@weft/merge';
import { createGitOpsManager } from '@weft/delivery';
import { selectLatestTag } from '@weft/image-automation';
import { decide } from '@weft/progressive';
import { serveWebView } from '@weft/web-view';
import { runWeft } from '@weft/cli';

type ConfigMap = ObjectOf<typeof ConfigMapKind>;

const fieldManager = 'install-check';

class MirrorReconciler extends Reconciler<ConfigMap> {
  override async reconcile(source: ConfigMap, ctx: ReconcileContext<ConfigMap>): Promise<Result> {
    if (source.metadata.labels?.['${mirrorLabel}'] !== 'true') return done;
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(source.data ?? {})) data[key] = value.toUpperCase();
    const mirror: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: \`\${source.metadata.name}-mirror\`, namespace: source.metadata.namespace },
      data,
    };
    await ctx.client.apply(mirror, { fieldManager, force: true, signal: ctx.signal });
    return done;
  }
}

async function waitForMirror(client: KubeClient, signal: AbortSignal): Promise<ConfigMap> {
  for (;;) {
    try {
      return await client.get(ConfigMapKind, 'greeting-mirror', { namespace: 'default', signal });
    } catch (error) {
      if (!isNotFoundError(error)) throw error;
    }
    await sleep(50, undefined, { signal });
  }
}

async function main(): Promise<void> {
  // Every package loads in this module format, not only the two this program runs.
  const exported: Record<string, unknown> = { applySet, fetchArtifact, build, applyStrategicMergePatch, createGitOpsManager, selectLatestTag, decide, serveWebView, runWeft };
  for (const [name, value] of Object.entries(exported)) {
    if (typeof value !== 'function') throw new Error(\`\${name} is \${typeof value}, not a function\`);
  }
  // One WeftError class across the built bundles: each package imports reconcile-core's, none bundles a copy.
  const refused = await build('/weft-install-check/no-such-directory').then(() => undefined, (error: unknown) => error);
  if (!(refused instanceof WeftError)) throw new Error(\`kustomize-lite's error is not reconcile-core's WeftError: \${String(refused)}\`);

  const server = await startApiServer();
  const client = new KubeClient(server.kubeConfig, { fieldManager });
  const stop = new AbortController();
  try {
    const manager = new Manager({ kubeConfig: server.kubeConfig, handleSignals: false, logger: createLogger({ level: 'warn' }) });
    manager.add(controller(ConfigMapKind).reconcile(new MirrorReconciler()));
    const running = manager.start({ signal: stop.signal });
    const greeting: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'greeting', namespace: 'default', labels: { '${mirrorLabel}': 'true' } },
      data: { text: 'hello from npm' },
    };
    await client.apply(greeting, { fieldManager, force: true, signal: AbortSignal.timeout(10_000) });
    const mirror = await waitForMirror(client, AbortSignal.timeout(30_000));
    stop.abort();
    await running;
    const format = typeof __filename === 'string' ? 'commonjs' : 'module';
    console.log(JSON.stringify({ format, mirror: mirror.data }));
  } finally {
    stop.abort();
    client.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
`;
