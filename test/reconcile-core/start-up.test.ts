import { ConfigMapKind, controller, createLogger, done, KindNotServedError, Manager, resourceKind, type KubeObject } from '@weft/reconcile-core';
import { expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster } from '../support/cluster';

describeCluster('reconcile-core Manager.start() against the real apiserver', () => {
  it('rejects at once with KindNotServedError naming the CRD when a watched kind is not installed', async () => {
    const GadgetKind = resourceKind<KubeObject>({ apiVersion: 'never-installed.weft.dev/v1', kind: 'Gadget', plural: 'gadgets', namespaced: true });
    const manager = new Manager({ kubeConfig: clusterKubeConfig(), handleSignals: false, logger: createLogger({ level: 'silent' }) });
    manager.add(controller(ConfigMapKind).watches(GadgetKind, () => []).reconcile(async () => done));
    const startedAt = Date.now();
    const failure = await manager.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KindNotServedError);
    expect(failure).toMatchObject({ controller: 'configmap', kind: 'Gadget', crd: 'gadgets.never-installed.weft.dev' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(manager.ready).toBe(false);
  });
});
