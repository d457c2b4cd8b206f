import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ConfigMapKind,
  createLogger,
  EventKind,
  getCondition,
  installCRDs,
  isNotFoundError,
  KindNotServedError,
  KubeClient,
  type ReconcileOutcome,
} from '@weft/reconcile-core';
import { eventually, type InMemoryApiServer, startApiServer } from '@weft/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Greeting, GreetingKind } from './greeting.js';
import { runHello } from './main.js';
import { createHelloOperator, type HelloOperator } from './operator.js';
import { waitUntilGreeted } from './sample.js';

const namespace = 'default';

const greeting = (name: string, spec: NonNullable<Greeting['spec']>): Greeting => ({ apiVersion: GreetingKind.apiVersion, kind: GreetingKind.kind, metadata: { name, namespace }, spec });

describe('hello-reconciler against the in-memory API server', () => {
  let server: InMemoryApiServer;
  let client: KubeClient;
  let operator: HelloOperator;
  let running: Promise<void>;
  const stop = new AbortController();
  const outcomes: ReconcileOutcome[] = [];

  beforeAll(async () => {
    server = await startApiServer();
    client = new KubeClient(server.kubeConfig, { fieldManager: 'test' });
    await installCRDs(client, [GreetingKind]);
    operator = createHelloOperator({
      kubeConfig: server.kubeConfig,
      manager: { handleSignals: false, logger: createLogger({ level: 'silent' }), onOutcome: (outcome) => outcomes.push(outcome) },
    });
    running = operator.manager.start({ signal: stop.signal });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    await operator?.close();
    client?.close();
    await server?.stop();
  });

  it('writes an owned ConfigMap, sets Ready and observedGeneration, adds its finalizer and requeues after spec.interval', async () => {
    await client.create(greeting('alice', { name: 'Alice', salutation: 'Hi', interval: '2m' }));
    const { greeting: ready, text } = await waitUntilGreeted(client, namespace, 'alice');
    expect(text).toBe('Hi, Alice!');

    const configMap = await client.get(ConfigMapKind, 'alice', { namespace });
    expect(configMap.data).toEqual({ greeting: 'Hi, Alice!' });
    expect(configMap.metadata.ownerReferences).toEqual([
      { apiVersion: 'hello.weft.dev/v1', kind: 'Greeting', name: 'alice', uid: ready.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);

    expect(ready.metadata.finalizers).toEqual(['finalizers.weft.dev/greeting']);
    expect(ready.status?.observedGeneration).toBe(ready.metadata.generation);
    expect(ready.status?.configMap).toBe('default/alice');
    expect(getCondition(ready, 'Ready')).toMatchObject({ status: 'True', reason: 'Greeted', message: 'wrote Hi, Alice!', observedGeneration: ready.metadata.generation });
    expect(getCondition(ready, 'Stalled')).toBeUndefined();

    expect(outcomes.find((outcome) => outcome.key === 'default/alice' && outcome.result === 'requeue_after')?.requeueAfterMs).toBe(120_000);
    const events = await eventually('a Greeted event', async () => {
      const list = await client.list(EventKind, { namespace });
      const found = list.items.filter((event) => event.regarding.name === 'alice' && event.reason === 'Greeted');
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Normal', reportingController: 'hello.weft.dev/hello-reconciler', regarding: { kind: 'Greeting', name: 'alice' } });
  });

  it('follows a spec change: the ConfigMap is rewritten and the new generation observed', async () => {
    await client.create(greeting('bob', { name: 'Bob' }));
    const first = await waitUntilGreeted(client, namespace, 'bob');
    expect(first.text).toBe('Hello, Bob!');

    await client.patch(GreetingKind, 'bob', { spec: { salutation: 'Good morning' } }, { namespace });
    const second = await eventually('generation 2 observed', async () => {
      const result = await waitUntilGreeted(client, namespace, 'bob');
      return result.greeting.metadata.generation === first.greeting.metadata.generation! + 1 ? result : undefined;
    });
    expect(second.text).toBe('Good morning, Bob!');
    expect(second.greeting.status?.observedGeneration).toBe(second.greeting.metadata.generation);
  });

  it('writes the status only when it changed: a reconcile of a converged Greeting writes nothing', async () => {
    await client.create(greeting('gina', { name: 'Gina' }));
    await waitUntilGreeted(client, namespace, 'gina');
    // An annotation is not a new generation, but it is an event: the Greeting is reconciled again.
    const annotated = await client.patch(GreetingKind, 'gina', { metadata: { annotations: { touched: 'yes' } } }, { namespace });
    const patchedAt = Date.now();
    await eventually('a reconcile after the annotation', async () => outcomes.find((outcome) => outcome.key === 'default/gina' && outcome.startedAt >= patchedAt));
    const after = await client.get(GreetingKind, 'gina', { namespace });
    expect(after.metadata.resourceVersion).toBe(annotated.metadata.resourceVersion);
  });

  it('puts back its ConfigMap when someone deletes or edits it (the controller owns ConfigMaps)', async () => {
    await client.create(greeting('carol', { name: 'Carol' }));
    await waitUntilGreeted(client, namespace, 'carol');

    await client.delete(ConfigMapKind, 'carol', { namespace });
    await eventually('the ConfigMap re-created', async () => {
      const configMap = await client.get(ConfigMapKind, 'carol', { namespace }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error)));
      return configMap?.data?.['greeting'] === 'Hello, Carol!' ? configMap : undefined;
    });

    await client.patch(ConfigMapKind, 'carol', { data: { greeting: 'Goodbye, Carol!' } }, { namespace });
    await eventually('the edit reverted', async () => {
      const configMap = await client.get(ConfigMapKind, 'carol', { namespace });
      return configMap.data?.['greeting'] === 'Hello, Carol!' ? configMap : undefined;
    });
  });

  it('stalls with a TerminalError when the ConfigMap name is taken by an object it does not own', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace }, data: { keep: 'me' } });
    await client.create(greeting('dave', { name: 'Dave', configMapName: 'someone-elses' }));

    const stalled = await eventually('Stalled=True', async () => {
      const object = await client.get(GreetingKind, 'dave', { namespace });
      return getCondition(object, 'Stalled')?.status === 'True' ? object : undefined;
    });
    expect(getCondition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'ConfigMapTaken' });
    expect(stalled.status?.observedGeneration).toBe(stalled.metadata.generation);
    const failed = outcomes.find((outcome) => outcome.key === 'default/dave' && outcome.result === 'error');
    expect(failed).toMatchObject({ terminal: true });
    expect(String(failed?.error)).toContain('Greeting/default/dave: ConfigMap default/someone-elses exists and is not owned by this Greeting');
    expect((await client.get(ConfigMapKind, 'someone-elses', { namespace })).data).toEqual({ keep: 'me' });

    // Pointing it elsewhere is a new generation, reconciled again.
    await client.patch(GreetingKind, 'dave', { spec: { configMapName: 'dave' } }, { namespace });
    const { text } = await eventually('Ready after the fix', async () => waitUntilGreeted(client, namespace, 'dave').then((result) => (result.greeting.status?.configMap === 'default/dave' ? result : undefined)));
    expect(text).toBe('Hello, Dave!');
  });

  it('retries with backoff when a write fails, then converges', async () => {
    // The next two patches of Greetings (the finalizer, then the status) answer 403, as a missing RBAC
    // rule would: the client does not retry that itself, so the reconcile fails and is retried.
    const lift = server.faults.failRequests({ verb: 'patch', resource: 'greetings', code: 403, reason: 'Forbidden', times: 2 });
    try {
      await client.create(greeting('erin', { name: 'Erin' }));
      const { text } = await waitUntilGreeted(client, namespace, 'erin');
      expect(text).toBe('Hello, Erin!');
    } finally {
      lift();
    }
    const retried = outcomes.filter((outcome) => outcome.key === 'default/erin' && outcome.result === 'error');
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.every((outcome) => outcome.terminal === false && outcome.requeueAfterMs !== undefined)).toBe(true);
  });

  it('runs its finalizer on delete: the ConfigMap goes, then the Greeting', async () => {
    await client.create(greeting('frank', { name: 'Frank' }));
    await waitUntilGreeted(client, namespace, 'frank');

    await client.delete(GreetingKind, 'frank', { namespace });
    await eventually('the Greeting gone', async () =>
      client.get(GreetingKind, 'frank', { namespace }).then(
        () => undefined,
        (error: unknown) => (isNotFoundError(error) ? true : Promise.reject(error)),
      ),
    );
    await expect(client.get(ConfigMapKind, 'frank', { namespace })).rejects.toSatisfy(isNotFoundError);
    const farewell = await eventually('a Farewell event', async () => (await client.list(EventKind, { namespace })).items.find((event) => event.regarding.name === 'frank' && event.reason === 'Farewell'));
    expect(farewell.note).toBe('deleted ConfigMap default/frank');
  });
});

describe('hello-reconciler start-up mistakes', () => {
  it('Manager.start() rejects at once, naming the CRD to install, when the Greeting CRD is not installed', async () => {
    await using server = await startApiServer();
    const operator = createHelloOperator({ kubeConfig: server.kubeConfig, manager: { handleSignals: false, logger: createLogger({ level: 'silent' }) } });
    try {
      const failure = await operator.manager.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(KindNotServedError);
      expect(failure).toMatchObject({ controller: 'greeting', crd: 'greetings.hello.weft.dev' });
    } finally {
      await operator.close();
    }
  });
});

describe('hello-reconciler --once', () => {
  it('runHello({ inMemory, once }) creates the sample, waits until it is Ready and stops', async () => {
    const lines: string[] = [];
    await runHello({ inMemory: true, once: true, print: (line) => lines.push(line) });
    expect(lines.at(-1)).toBe('Greeting/default/hello-world is Ready; ConfigMap/default/hello-world says "Hello, world!"');
  });

  it('the command line exits 0 after the sample is Ready', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..');
    const tsx = join(root, '..', '..', 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['src/main.ts', '--in-memory', '--once'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('Greeting/default/hello-world is Ready');
  }, 90_000);
});
