// The code samples of docs/testing.md (each ```ts block of the guide is a verbatim part of this
// file; docs.test.ts checks that), type-checked by `pnpm typecheck` and run by the `docs` vitest
// project, so the guide's test is a test that passes. examples/hello-reconciler/src/hello.test.ts
// is the fuller version.
import {
  ConfigMapKind,
  controller,
  createLogger,
  getCondition,
  installCRDs,
  KubeClient,
  Manager,
  type ReconcileOutcome,
} from '@weft/reconcile-core';
import { eventually, startApiServer, startControlPlane, type InMemoryApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GreetingKind } from '../../examples/hello-reconciler/src/greeting.js';
import { GreetingReconciler } from '../../examples/hello-reconciler/src/greeting-reconciler.js';

describe('GreetingReconciler', () => {
  let server: InMemoryApiServer;
  let client: KubeClient;
  const stop = new AbortController();
  const outcomes: ReconcileOutcome[] = [];
  let running: Promise<void>;

  beforeAll(async () => {
    server = await startApiServer(); // in-memory, on loopback: starts in milliseconds
    client = new KubeClient(server.kubeConfig);
    await installCRDs(client, [GreetingKind]);
    const manager = new Manager({
      kubeConfig: server.kubeConfig,
      handleSignals: false, // the test runner owns the process
      logger: createLogger({ level: 'silent' }),
      onOutcome: (outcome) => outcomes.push(outcome), // every reconcile's result, for assertions
    });
    manager.add(controller(GreetingKind).owns(ConfigMapKind).reconcile(new GreetingReconciler()));
    running = manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort(); // graceful shutdown: in-flight reconciles finish first
    await running;
    client.close();
    await server.stop();
  });

  it('writes the ConfigMap and reports Ready', async () => {
    await client.create({ apiVersion: 'hello.weft.dev/v1', kind: 'Greeting', metadata: { name: 'ada', namespace: 'default' }, spec: { name: 'Ada' } });
    const greeting = await eventually('Ready', async () => {
      const object = await client.get(GreetingKind, 'ada', { namespace: 'default' });
      return getCondition(object, 'Ready')?.status === 'True' ? object : undefined;
    });
    expect(greeting.status?.observedGeneration).toBe(greeting.metadata.generation);
    const configMap = await client.get(ConfigMapKind, 'ada', { namespace: 'default' });
    expect(configMap.data).toEqual({ greeting: 'Hello, Ada!' });
  });

  it('retries when the apiserver refuses a write', async () => {
    // The next two patches of Greetings answer 403 Forbidden; the reconciler retries with backoff.
    const lift = server.faults.failRequests({ verb: 'patch', resource: 'greetings', code: 403, times: 2 });
    await client.create({ apiVersion: 'hello.weft.dev/v1', kind: 'Greeting', metadata: { name: 'grace', namespace: 'default' }, spec: { name: 'Grace' } });
    await eventually('Ready', async () => {
      const object = await client.get(GreetingKind, 'grace', { namespace: 'default' });
      return getCondition(object, 'Ready')?.status === 'True' ? object : undefined;
    });
    lift();
    expect(outcomes.some((outcome) => outcome.key === 'default/grace' && outcome.result === 'error' && !outcome.terminal)).toBe(true);
  });
});

export async function moreFaults(server: InMemoryApiServer): Promise<void> {
  server.faults.addLatency({ verb: 'list', resource: 'configmaps', delayMs: 200 }); // a slow apiserver
  server.faults.failRequests({ verb: 'watch', code: 500, times: 3 }); // watches that fail to open
  server.faults.cutWatches(); // every open watch ends, as when the apiserver restarts
  const before = server.snapshot();
  // … the test changes things …
  server.restore(before); // back to the snapshot; watches resuming from newer versions get 410 Gone and relist
  server.faults.clear();
}

export async function realControlPlane(): Promise<void> {
  // etcd + kube-apiserver (+ controller manager, scheduler and kwok nodes on request) on loopback.
  await using controlPlane = await startControlPlane({ controllers: true, nodes: 1 });
  const client = new KubeClient(controlPlane.kubeConfig);
  await installCRDs(client, [GreetingKind]);
  // … the same Manager and assertions as above, against the real apiserver …
  client.close();
}
