import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, LeaseKind, createLogger } from '@weft/reconcile-core';
import { eventually, startApiServer } from '@weft/testkit';
import { describe, expect, it } from 'vitest';
import { createGitOpsManager, installGitOpsCrds } from '../index.js';

describe('createGitOpsManager', () => {
  it('serves probes on the health port and metrics on the metrics port, holds its Lease, and stops on the signal', async () => {
    await using api = await startApiServer();
    const storageDir = await mkdtemp(join(tmpdir(), 'weft-gitops-manager-'));
    const client = new KubeClient(api.kubeConfig);
    try {
      await installGitOpsCrds(api.kubeConfig, {});
      const manager = createGitOpsManager({
        kubeConfig: api.kubeConfig,
        storageDir,
        logger: createLogger({ level: 'silent' }),
        handleSignals: false,
        metrics: { port: 0, host: '127.0.0.1' },
        health: { port: 0, host: '127.0.0.1' },
        leaderElection: { name: 'weft-gitops-operator', namespace: 'default' },
      });
      const stop = new AbortController();
      const running = manager.start({ signal: stop.signal });
      await eventually('the manager to lead and be ready', () => {
        if (!(manager.isLeader && manager.ready)) throw new Error(`isLeader ${manager.isLeader}; readiness: ${manager.notReady ?? 'ok'}`);
        return true;
      }, { timeoutMs: 20_000, intervalMs: 50 });
      expect(manager.isLeader).toBe(true);
      const health = `http://127.0.0.1:${manager.healthProbePort}`;
      expect(await (await fetch(`${health}/healthz`)).text()).toBe('ok');
      expect((await fetch(`${health}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${manager.healthPort}/metrics`)).text();
      expect(metrics).toMatch(/controller="kustomization"/);
      expect(metrics).toMatch(/controller="gitrepository"/);
      const lease = await client.get(LeaseKind, 'weft-gitops-operator', { namespace: 'default' });
      expect(lease.spec?.holderIdentity).toBeTruthy();
      stop.abort();
      await running;
      await expect(fetch(`${health}/healthz`)).rejects.toThrow();
    } finally {
      client.close();
      await rm(storageDir, { recursive: true, force: true });
    }
  });
});
