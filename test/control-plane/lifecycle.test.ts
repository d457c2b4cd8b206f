import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { ControlPlaneStartError, startControlPlane } from '@weft/testkit';
import { expect, it } from 'vitest';
import { describeCluster } from '../support/cluster';

const run = promisify(execFile);

// These tests start control planes of their own: restarting or breaking the shared one would hurt other suites.
describeCluster('control-plane lifecycle', () => {
  it('restarts kube-apiserver alone; etcd keeps the state and clients work again', async () => {
    await using controlPlane = await startControlPlane();
    const core = controlPlane.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'before-restart' } } });

    await controlPlane.restartApiServer({ downtimeMs: 200 });

    const kept = await core.readNamespace({ name: 'before-restart' });
    expect(kept.metadata?.name).toBe('before-restart');
    await core.createNamespace({ body: { metadata: { name: 'after-restart' } } });
    const { stdout } = await run(controlPlane.binaries.kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, 'get', 'namespaces', '-o', 'name']);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/before-restart', 'namespace/after-restart']));
  });

  it('fails to start with an error that quotes the tail of the failing process log', async () => {
    const error = await startControlPlane({ apiServerFlags: ['--no-such-flag=1'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ControlPlaneStartError);
    expect((error as ControlPlaneStartError).component).toBe('kube-apiserver');
    expect((error as Error).message).toContain('unknown flag: --no-such-flag');
  });

  it('reports its version as the pinned Kubernetes release', async () => {
    await using controlPlane = await startControlPlane();
    const { stdout } = await run(controlPlane.binaries.kubectl, ['--kubeconfig', controlPlane.kubeconfigPath, 'version', '-o', 'json']);
    const version = JSON.parse(stdout) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toBe(controlPlane.versions.kubernetes);
  });
});
