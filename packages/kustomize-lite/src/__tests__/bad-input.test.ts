import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BuildAbortedError,
  build,
  CycleError,
  InputTooLargeError,
  KustomizationFileError,
  LoadRestrictionError,
  memoryFs,
  MissingFileError,
  nodeFs,
  ResourceConflictError,
  TransformError,
  UnreadableFileError,
  UnsupportedFeatureError,
  YamlSyntaxError,
} from '../index.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: app:1
`;

async function failure(files: Record<string, string>, directory = '/app', options: Parameters<typeof build>[1] = {}): Promise<unknown> {
  return build(directory, { fs: memoryFs(files), ...options }).then(
    () => {
      throw new Error('the build was expected to fail');
    },
    (error: unknown) => error,
  );
}

describe('bad input', () => {
  it('malformed YAML names the file and the line', async () => {
    const error = await failure({
      '/app/kustomization.yaml': 'resources: [web.yaml]\n',
      '/app/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [unclosed\n  b: c\n',
    });
    expect(error).toBeInstanceOf(YamlSyntaxError);
    expect((error as YamlSyntaxError).file).toBe('web.yaml');
    expect((error as YamlSyntaxError).line).toBeGreaterThan(1);
    expect((error as Error).message).toMatch(/^web\.yaml:\d+:\d+: invalid YAML/);
  });

  it('a base that includes itself is a cycle error', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: [../app]\n' });
    expect(error).toBeInstanceOf(CycleError);
    expect((error as Error).message).toContain("cycle detected: candidate root '/app' contains visited root '/app'");
  });

  it("a kustomization listing its own directory ('resources: [.]') is a cycle error, not a type error (issue 14 #8)", async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: [.]\n' });
    expect(error).toBeInstanceOf(CycleError);
    expect((error as Error).message).toContain("cycle detected: candidate root '/app' contains visited root '/app'");
  });

  it('a FIFO listed as a resource is an unreadable file naming it, not "no such file", and does not hang the build (issue 14 #8)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'weft-fifo-'));
    try {
      writeFileSync(join(directory, 'kustomization.yaml'), 'resources: [pipe.yaml]\n');
      execFileSync('mkfifo', [join(directory, 'pipe.yaml')]);
      const error = await build(directory, { fs: nodeFs() }).then(
        () => new Error('the build was expected to fail'),
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(UnreadableFileError);
      expect((error as Error).message).toContain('pipe.yaml');
      expect((error as Error).message).not.toMatch(/no such file/i);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('two bases including each other is a cycle error', async () => {
    const error = await failure({ '/a/kustomization.yaml': 'resources: [../b]\n', '/b/kustomization.yaml': 'resources: [../a]\n' }, '/a');
    expect(error).toBeInstanceOf(CycleError);
  });

  it('a missing resource file is named', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: [missing.yaml]\n' });
    expect(error).toBeInstanceOf(MissingFileError);
    expect((error as Error).message).toContain("'/app/missing.yaml'");
  });

  it('a directory without a kustomization file is refused', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: [../base]\n', '/base/web.yaml': deployment });
    expect(error).toBeInstanceOf(MissingFileError);
    expect((error as Error).message).toContain("unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '/base'");
  });

  it('a strategic merge patch whose target matches nothing fails, naming the patch', async () => {
    const error = await failure({
      '/app/kustomization.yaml': 'resources: [web.yaml]\npatchesStrategicMerge: [patch.yaml]\n',
      '/app/web.yaml': deployment,
      '/app/patch.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nothing\nspec:\n  replicas: 2\n',
    });
    expect(error).toBeInstanceOf(TransformError);
    expect((error as Error).message).toContain('no matches for Id Deployment.v1.apps/nothing.[noNs]');
    expect((error as Error).message).toContain('patch.yaml');
  });

  it('a `patches` target selecting nothing is not an error, as in kustomize', async () => {
    const objects = await build('/app', {
      fs: memoryFs({
        '/app/kustomization.yaml': 'resources: [web.yaml]\npatches:\n- target: {kind: Deployment, name: other}\n  patch: \'[{"op":"add","path":"/spec/replicas","value":3}]\'\n',
        '/app/web.yaml': deployment,
      }),
    });
    expect(objects[0]?.['spec']).not.toHaveProperty('replicas');
  });

  it('duplicate object ids are refused, naming the id and both files', async () => {
    const error = await failure({
      '/app/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
      '/app/a.yaml': deployment,
      '/app/b.yaml': deployment,
    });
    expect(error).toBeInstanceOf(ResourceConflictError);
    expect((error as Error).message).toContain('may not add resource with an already registered id: Deployment.v1.apps/web.[noNs]');
    expect((error as Error).message).toContain('b.yaml');
  });

  it('`..` escapes of the root are refused by default and allowed with LoadRestrictionsNone', async () => {
    const files = { '/app/kustomization.yaml': 'resources: [../common/web.yaml]\n', '/common/web.yaml': deployment };
    const error = await failure(files);
    expect(error).toBeInstanceOf(LoadRestrictionError);
    expect((error as Error).message).toBe("security; file '/common/web.yaml' is not in or below '/app'");
    const objects = await build('/app', { fs: memoryFs(files), loadRestrictor: 'LoadRestrictionsNone' });
    expect(objects).toHaveLength(1);
  });

  it('absolute paths outside the root are refused', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: [/etc/web.yaml]\n', '/etc/web.yaml': deployment });
    expect(error).toBeInstanceOf(LoadRestrictionError);
  });

  describe('symlinks', () => {
    const root = mkdtempSync(join(tmpdir(), 'weft-kustomize-symlink-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('are resolved before the restrictor decides', async () => {
      mkdirSync(join(root, 'app'));
      mkdirSync(join(root, 'outside'));
      writeFileSync(join(root, 'outside', 'web.yaml'), deployment);
      symlinkSync(join(root, 'outside', 'web.yaml'), join(root, 'app', 'web.yaml'));
      writeFileSync(join(root, 'app', 'kustomization.yaml'), 'resources: [web.yaml]\n');
      const error = await build(join(root, 'app'), { fs: nodeFs() }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LoadRestrictionError);
      expect((error as Error).message).toContain(`file '${join(root, 'outside', 'web.yaml')}' is not in or below`);
    });
  });

  it('input past the configured limit fails before it is read, naming the file', async () => {
    const big = 'a'.repeat(1024 * 1024);
    const error = await failure(
      { '/app/kustomization.yaml': 'configMapGenerator:\n- name: big\n  files: [big.txt]\n', '/app/big.txt': big },
      '/app',
      { maxInputBytes: 512 * 1024 },
    );
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect((error as InputTooLargeError).file).toBe('big.txt');
    expect((error as InputTooLargeError).limit).toBe(512 * 1024);
  });

  it('a 50 MB input is refused past a configured limit without being read', async () => {
    let read = false;
    const size = 50 * 1024 * 1024;
    const base = memoryFs({ '/app/kustomization.yaml': 'resources: [huge.yaml]\n' });
    const fs = {
      ...base,
      async stat(path: string) {
        return path === '/app/huge.yaml' ? { type: 'file' as const, size } : base.stat(path);
      },
      async readFile(path: string) {
        if (path === '/app/huge.yaml') read = true;
        return base.readFile(path);
      },
    };
    const error = await build('/app', { fs, maxInputBytes: 32 * 1024 * 1024 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect((error as Error).message).toContain('huge.yaml');
    expect(read).toBe(false);
  });

  it('a 50 MB input builds within a raised limit', { timeout: 120_000 }, async () => {
    const entry = (index: number) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${index}\ndata:\n  payload: ${'x'.repeat(4000)}\n`;
    const documents: string[] = [];
    let size = 0;
    for (let index = 0; size < 50 * 1024 * 1024; index++) {
      const document = entry(index);
      documents.push(document);
      size += document.length;
    }
    const objects = await build('/app', {
      fs: memoryFs({ '/app/kustomization.yaml': 'resources: [big.yaml]\n', '/app/big.yaml': documents.join('') }),
      maxInputBytes: 64 * 1024 * 1024,
      reorder: 'none',
    });
    expect(objects).toHaveLength(documents.length);
  });

  it('unknown kustomization fields are refused; field names match case-insensitively', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'resources: []\nnamePrefx: dev-\n' });
    expect(error).toBeInstanceOf(KustomizationFileError);
    expect((error as Error).message).toContain('json: unknown field "namePrefx"');
    const objects = await build('/app', { fs: memoryFs({ '/app/kustomization.yaml': 'RESOURCES: [web.yaml]\nnameprefix: dev-\n', '/app/web.yaml': deployment }) });
    expect((objects[0]?.['metadata'] as { name: string }).name).toBe('dev-web');
  });

  it('wrong field types are refused as kustomize does', async () => {
    const error = await failure({ '/app/kustomization.yaml': 'namePrefix: 12\n' });
    expect((error as Error).message).toContain('json: cannot unmarshal number into Go struct field Kustomization.namePrefix of type string');
  });

  it.each([
    ['remote resources', 'resources: [https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0]\n', 'resources'],
    ['Helm charts', 'helmCharts:\n- name: minecraft\n  repo: https://example.com\n', 'helmCharts'],
  ])('%s get a clear "not supported" error naming the field', async (_name, kustomization, feature) => {
    const error = await failure({ '/app/kustomization.yaml': kustomization });
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as UnsupportedFeatureError).feature).toBe(feature);
    expect((error as Error).message).toContain('not supported');
  });

  it('exec and KRM function plugins get a clear "not supported" error', async () => {
    const error = await failure({
      '/app/kustomization.yaml': 'transformers: [plugin.yaml]\n',
      '/app/plugin.yaml': 'apiVersion: example.com/v1\nkind: MyTransformer\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: example/fn\n',
    });
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as Error).message).toContain('KRM function plugin MyTransformer is not supported');
  });

  it('an aborted signal stops the build', async () => {
    const controller = new AbortController();
    controller.abort(new Error('superseded'));
    const error = await failure({ '/app/kustomization.yaml': 'resources: []\n' }, '/app', { signal: controller.signal });
    expect(error).toBeInstanceOf(BuildAbortedError);
  });
});
