// Every `@example` of @weft/kustomize-lite's public API: each example's code is a verbatim part of
// this file and its imports are this file's imports (api-examples.test.ts checks both). Most run
// against memoryFs; the ones that build a path relative to the working directory or under /repo
// with nodeFs() (a checkout the reader has, this repository does not) sit in functions that are
// type-checked but not called. Each error class's example runs on an error a real build throws.
import {
  build,
  BuildAbortedError,
  buildInWorker,
  buildWithSources,
  collectVariables,
  CycleError,
  envsubst,
  InputTooLargeError,
  KustomizationFileError,
  KustomizeError,
  LoadRestrictionError,
  memoryFs,
  MissingFileError,
  nodeFs,
  ResourceConflictError,
  runCli,
  SubstitutionError,
  substituteVariables,
  toYamlStream,
  TransformError,
  UnreadableFileError,
  UnsupportedFeatureError,
  withGeneratedKustomization,
  YamlSyntaxError,
  type JsonObject,
  type KustomizeFs,
} from '@weft/kustomize-lite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const cmYaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n';
const svcYaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n';

/** What building `/app` out of `files` throws. */
async function failure(files: Record<string, string>, fs: KustomizeFs = memoryFs(files), options: { maxInputBytes?: number; signal?: AbortSignal } = {}): Promise<unknown> {
  return build('/app', { fs, ...options }).then(
    () => { throw new Error('the build did not fail'); },
    (error: unknown) => error,
  );
}

/** The examples that read a checkout with nodeFs(): type-checked, not called (see the top). */
export async function readingACheckout(): Promise<void> {
  {
    const objects = await build('overlays/prod', { fs: nodeFs(), reorder: 'none' });
    console.log(toYamlStream(objects));
  }
  for (const { object, file } of await buildWithSources('/repo/app')) console.log(file, object['kind']);
  {
    const objects = await build('overlays/prod', { fs: nodeFs() });
    console.log(objects.length);
  }
  {
    const fs = await withGeneratedKustomization(nodeFs(), '/repo/clusters/prod');
    const objects = await build('/repo/clusters/prod', { fs });
    console.log(objects.length);
  }
  process.stdout.write(toYamlStream(await build('overlays/prod', { fs: nodeFs() })));
  {
    const objects = await substituteVariables(await build('apps/prod'), { substitute: { REPLICAS: '3' }, strict: true });
    console.log(objects.length);
  }
}

describe('the @examples of @weft/kustomize-lite, run', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    const record = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    vi.spyOn(console, 'log').mockImplementation(record);
    vi.spyOn(console, 'error').mockImplementation(record);
  });
  afterEach(() => vi.restoreAllMocks());

  it('runCli builds a directory as `kustomize build` does (here one that is missing)', async () => {
    const { exitCode, stdout, stderr } = await runCli(['build', 'overlays/prod', '--reorder', 'none']);
    expect({ exitCode, stdout }).toEqual({ exitCode: 1, stdout: '' });
    expect(stderr).toContain('overlays/prod');
  });

  it('envsubst', () => {
    envsubst('replicas: ${REPLICAS:=2}', (name) => ({ REPLICAS: '3' })[name]); // 'replicas: 3'
    expect(envsubst('replicas: ${REPLICAS:=2}', (name) => ({ REPLICAS: '3' })[name])).toBe('replicas: 3');
  });

  it('KustomizeError: a build of a directory that is not there', async () => {
    try { await build('/repo/overlays/prod', { fs: nodeFs() }); }
    catch (error) { if (error instanceof KustomizeError) console.error(error.file, error.message); }
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('/repo/overlays/prod');
  });

  it('each error class, on the error a build throws', async () => {
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: 5\n' });
      if (error instanceof KustomizationFileError) console.error(`fix ${error.file}`);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [cm.yaml]\n', '/app/cm.yaml': 'kind: [\n' });
      if (error instanceof YamlSyntaxError) console.error(error.file, error.line);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [../cm.yaml]\n', '/cm.yaml': cmYaml });
      if (error instanceof LoadRestrictionError) console.error(`${error.file} is outside the root`);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [missing.yaml]\n' });
      if (error instanceof MissingFileError) console.error(`missing: ${error.file}`);
    }
    {
      const files = { '/app/kustomization.yaml': 'resources: [cm.yaml]\n', '/app/cm.yaml': cmYaml };
      const pipe: KustomizeFs = { ...memoryFs(files), stat: async (path) => (path.endsWith('cm.yaml') ? { type: 'other', size: 0 } : memoryFs(files).stat(path)) };
      const error = await failure(files, pipe);
      if (error instanceof UnreadableFileError) console.error(`${error.file}: ${error.code ?? 'not a regular file'}`);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [.]\n' });
      if (error instanceof CycleError) console.error(error.message);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [cm.yaml, again.yaml]\n', '/app/cm.yaml': cmYaml, '/app/again.yaml': cmYaml });
      if (error instanceof ResourceConflictError) console.error(error.object);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [cm.yaml]\nreplacements:\n- source: {kind: ConfigMap, name: none, fieldPath: data.mode}\n  targets: []\n', '/app/cm.yaml': cmYaml });
      if (error instanceof TransformError) console.error(error.object, error.message);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'generators: [gen.yaml]\n', '/app/gen.yaml': 'apiVersion: example.com/v1\nkind: Generator\nmetadata:\n  name: gen\n' });
      if (error instanceof UnsupportedFeatureError) console.error(`not supported: ${error.feature}`);
    }
    {
      const error = await failure({ '/app/kustomization.yaml': 'resources: [cm.yaml]\n', '/app/cm.yaml': cmYaml }, undefined, { maxInputBytes: 40 });
      if (error instanceof InputTooLargeError) console.error(`${error.file}: over ${error.limit} bytes`);
    }
    expect(logged).toHaveLength(10);
    expect(logged.slice(0, 4)).toEqual([expect.stringMatching(/^fix .*kustomization\.yaml/), expect.stringMatching(/cm\.yaml/), expect.stringMatching(/cm\.yaml is outside the root/), expect.stringMatching(/^missing: /)]);
    expect(logged[4]).toMatch(/cm\.yaml: not a regular file/);
    expect(logged[8]).toBe('not supported: plugins');
    expect(logged[9]).toMatch(/over 40 bytes/);
  });

  it('SubstitutionError and BuildAbortedError', async () => {
    const cm: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { replicas: '${REPLICAS}' } };
    {
      const error = await substituteVariables([cm], { substitute: { 'not-a-name': '3' } }).catch((error: unknown) => error);
      if (error instanceof SubstitutionError) console.error(error.object, error.message);
    }
    expect(logged).toEqual([expect.stringContaining("'not-a-name' var name is invalid")]);
    const onError = (error: unknown): void => {
      if (error instanceof BuildAbortedError) return; // a newer revision superseded this build
      throw error;
    };
    expect(onError(await failure({ '/app/kustomization.yaml': 'resources: []\n' }, undefined, { signal: AbortSignal.abort() }))).toBeUndefined();
  });

  it('memoryFs and build', async () => {
    {
      const fs: KustomizeFs = memoryFs({ '/app/kustomization.yaml': 'resources: [cm.yaml]\n', '/app/cm.yaml': '…' });
      expect(await fs.stat('/app/cm.yaml')).toEqual({ type: 'file', size: 3 });
    }
    {
      const fs = memoryFs({ '/app/kustomization.yaml': 'namePrefix: dev-\nresources: [svc.yaml]\n', '/app/svc.yaml': svcYaml });
      const objects = await build('/app', { fs });
      expect(objects.map((object) => (object['metadata'] as JsonObject)['name'])).toEqual(['dev-web']);
    }
  });

  it('collectVariables', async () => {
    const vars = await collectVariables({ substitute: { CLUSTER: 'prod' } });
    expect([...vars]).toEqual([['CLUSTER', 'prod']]);
  });

  it('buildInWorker', async () => {
    const controller = new AbortController();
    const objects = await buildInWorker('/apps/prod', { fs: memoryFs({ '/apps/prod/kustomization.yaml': 'resources: []\n' }), signal: controller.signal, maxHeapMb: 256 });
    expect(objects).toEqual([]);
  });
});
