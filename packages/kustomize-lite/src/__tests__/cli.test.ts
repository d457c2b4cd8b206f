import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
