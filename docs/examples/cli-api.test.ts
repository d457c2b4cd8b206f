// The `@example` of @weft/cli's public API, run against testkit's in-memory API server with
// KUBECONFIG pointing at it: the example's code is a verbatim part of this file and its imports
// are this file's imports (api-examples.test.ts checks both).
import { runWeft } from '@weft/cli';
import { installGitOpsCrds } from '@weft/delivery';
import { startApiServer, type InMemoryApiServer } from '@weft/testkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

describe('the @example of @weft/cli, run', () => {
  let api: InMemoryApiServer;
  let directory: string;

  beforeAll(async () => {
    api = await startApiServer();
    await installGitOpsCrds(api.kubeConfig, { signal: new AbortController().signal });
    directory = mkdtempSync(join(tmpdir(), 'weft-cli-example-'));
    writeFileSync(join(directory, 'kubeconfig'), api.kubeConfig.exportConfig());
  });
  afterAll(async () => {
    await api?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('runWeft lists the Kustomizations of every namespace', async () => {
    vi.stubEnv('KUBECONFIG', join(directory, 'kubeconfig'));
    const written: string[] = [];
    const record = (chunk: string | Uint8Array) => { written.push(String(chunk)); return true; };
    const writes = [vi.spyOn(process.stdout, 'write').mockImplementation(record), vi.spyOn(process.stderr, 'write').mockImplementation(record)];
    try {
      const code = await runWeft(['get', 'kustomizations', '-A'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
      expect(code).toBe(0);
    } finally {
      for (const write of writes) write.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(written.join('')).toBe('No Kustomization objects found.\n'); // as kubectl says it, on an empty cluster
  });
});
