import { CoreV1Api, Watch, makeInformer, type ObjectCache, type V1ConfigMap } from '@kubernetes/client-node';
import { eventually } from '@weft/testkit';
import { beforeAll, expect, it } from 'vitest';
import { conformance } from './targets';

const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

conformance('watch', (target) => {
  let ns: string;
  const configmaps = () => `/api/v1/namespaces/${ns}/configmaps`;
  const summary = (events: { type: string; object: any }[]) => events.filter((event) => event.type !== 'BOOKMARK').map((event) => `${event.type}:${event.object.metadata.name}`);

  beforeAll(async () => {
    ns = await target().namespace('watch');
  });

  it('streams ADDED, MODIFIED and DELETED for one object through client-node Watch', async () => {
    const seen: string[] = [];
    let resolveDone: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const controller = await new Watch(target().kubeConfig()).watch(
      configmaps(),
      { fieldSelector: 'metadata.name=watched' },
      (type: string, object: any) => {
        seen.push(`${type}:${object.data?.step ?? ''}`);
        if (type === 'DELETED') resolveDone();
      },
      () => undefined,
    );
    await target().request('POST', configmaps(), { metadata: { name: 'watched' }, data: { step: '1' } });
    await target().request('PATCH', `${configmaps()}/watched`, { data: { step: '2' } }, mergePatch);
    await target().request('DELETE', `${configmaps()}/watched`);
    await done;
    controller.abort();
    expect(seen).toEqual(['ADDED:1', 'MODIFIED:2', 'DELETED:2']);
  });

  it('starts with the existing objects as ADDED when no resourceVersion is given', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'pre-1', labels: { group: 'pre' } } });
    await target().request('POST', configmaps(), { metadata: { name: 'pre-2', labels: { group: 'pre' } } });
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Dpre`);
    await watch.until((events) => events.length >= 2);
    watch.stop();
    expect(summary(watch.events).sort()).toEqual(['ADDED:pre-1', 'ADDED:pre-2']);
  });

  it('replays the changes after a given resourceVersion', async () => {
    const first = await target().request('POST', configmaps(), { metadata: { name: 'replay', labels: { group: 'replay' } }, data: { v: '1' } });
    await target().request('PATCH', `${configmaps()}/replay`, { data: { v: '2' } }, mergePatch);
    await target().request('PATCH', `${configmaps()}/replay`, { data: { v: '3' } }, mergePatch);
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Dreplay&resourceVersion=${first.body.metadata.resourceVersion}`);
    await watch.until((events) => events.length >= 2);
    watch.stop();
    expect(watch.events.map((event) => `${event.type}:${event.object.data.v}`)).toEqual(['MODIFIED:2', 'MODIFIED:3']);
  });

  it('gives every event a resourceVersion greater than the last', async () => {
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Dordered&resourceVersion=${(await target().request('GET', configmaps())).body.metadata.resourceVersion}`);
    for (let index = 0; index < 3; index += 1) await target().request('POST', configmaps(), { metadata: { name: `ordered-${index}`, labels: { group: 'ordered' } } });
    await watch.until((events) => events.length >= 3);
    watch.stop();
    const versions = watch.events.map((event) => Number(event.object.metadata.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
  });

  it('sends DELETED when an object stops matching the label selector and ADDED when it matches again', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'mover', labels: { group: 'in' } } });
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Din`);
    await watch.until((events) => events.length >= 1);
    await target().request('PATCH', `${configmaps()}/mover`, { metadata: { labels: { group: 'out' } } }, mergePatch);
    await target().request('PATCH', `${configmaps()}/mover`, { metadata: { labels: { group: 'in' } } }, mergePatch);
    await watch.until((events) => events.length >= 3);
    watch.stop();
    expect(summary(watch.events)).toEqual(['ADDED:mover', 'DELETED:mover', 'ADDED:mover']);
  });

  it('carries the final state in the DELETED event', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'final', labels: { group: 'final' } }, data: { last: 'words' } });
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Dfinal`);
    await watch.until((events) => events.length >= 1);
    await target().request('DELETE', `${configmaps()}/final`);
    await watch.until((events) => events.some((event) => event.type === 'DELETED'));
    watch.stop();
    expect(watch.events.find((event) => event.type === 'DELETED')!.object.data).toEqual({ last: 'words' });
  });

  it('sends the initial objects then a bookmark marking their end with sendInitialEvents', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'initial', labels: { group: 'initial' } } });
    const watch = await target().watch(`${configmaps()}?watch=true&labelSelector=group%3Dinitial&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await watch.until((events) => events.some((event) => event.type === 'BOOKMARK'));
    watch.stop();
    expect(watch.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'initial' } } });
    const bookmark = watch.events.find((event) => event.type === 'BOOKMARK')!;
    expect(bookmark.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(bookmark.object.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(bookmark.object.kind).toBe('ConfigMap');
  });

  it('watches cluster-scoped namespaces by name', async () => {
    const watch = await target().watch(`/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3D${ns}`);
    await watch.until((events) => events.length >= 1);
    watch.stop();
    expect(summary(watch.events)).toEqual([`ADDED:${ns}`]);
  });

  it('watches all namespaces of a kind at once', async () => {
    const other = await target().namespace('watch-other');
    const start = (await target().request('GET', configmaps())).body.metadata.resourceVersion;
    const watch = await target().watch(`/api/v1/configmaps?watch=true&labelSelector=group%3Dacross&resourceVersion=${start}`);
    await target().request('POST', configmaps(), { metadata: { name: 'here', labels: { group: 'across' } } });
    await target().request('POST', `/api/v1/namespaces/${other}/configmaps`, { metadata: { name: 'there', labels: { group: 'across' } } });
    await watch.until((events) => events.length >= 2);
    watch.stop();
    expect(watch.events.map((event) => `${event.object.metadata.namespace}/${event.object.metadata.name}`).sort()).toEqual([`${ns}/here`, `${other}/there`].sort());
  });

  it('ends the stream after timeoutSeconds', async () => {
    const watch = await target().watch(`${configmaps()}?watch=true&timeoutSeconds=1&labelSelector=group%3Dnone`);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(watch.ended).toBe(true);
    watch.stop();
  });

  it('sends only objects of the watched namespace', async () => {
    const start = (await target().request('GET', configmaps())).body.metadata.resourceVersion;
    const watch = await target().watch(`${configmaps()}?watch=true&resourceVersion=${start}`);
    await target().request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'elsewhere-' } });
    await target().request('POST', configmaps(), { metadata: { name: 'local-only' } });
    await watch.until((events) => events.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    watch.stop();
    expect(summary(watch.events)).toEqual(['ADDED:local-only']);
  });

  it('streams a Deployment scale change as MODIFIED with the new spec', async () => {
    const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
    await target().request('POST', deployments, { metadata: { name: 'watched-deploy' }, spec: { replicas: 0, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'example.com/c:1' }] } } } });
    const watch = await target().watch(`${deployments}?watch=true&fieldSelector=metadata.name%3Dwatched-deploy`);
    await watch.until((events) => events.length >= 1);
    await target().request('PATCH', `${deployments}/watched-deploy`, { spec: { replicas: 0, paused: true } }, mergePatch);
    await watch.until((events) => events.some((event) => event.type === 'MODIFIED' && event.object.spec.paused === true));
    watch.stop();
  });

  it('feeds a client-node informer: list, then add, update and delete events', async () => {
    await target().request('POST', configmaps(), { metadata: { name: 'informed-before', labels: { group: 'informer' } } });
    const core = target().kubeConfig().makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(target().kubeConfig(), configmaps(), () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'group=informer' }), 'group=informer');
    const seen: string[] = [];
    informer.on('add', (object) => seen.push(`add:${object.metadata?.name}`));
    informer.on('update', (object) => seen.push(`update:${object.metadata?.name}:${object.data?.['v'] ?? ''}`));
    informer.on('delete', (object) => seen.push(`delete:${object.metadata?.name}`));
    await informer.start();
    try {
      await target().request('POST', configmaps(), { metadata: { name: 'informed-after', labels: { group: 'informer' } } });
      await target().request('PATCH', `${configmaps()}/informed-after`, { data: { v: '2' } }, mergePatch);
      await target().request('DELETE', `${configmaps()}/informed-before`);
      await eventually('the informer to see four events', () => {
        if (seen.length < 4) throw new Error(`it saw ${JSON.stringify(seen)}`);
        return true;
      }, { timeoutMs: 10_000, intervalMs: 50 });
    } finally {
      await informer.stop();
    }
    expect(seen).toEqual(['add:informed-before', 'add:informed-after', 'update:informed-after:2', 'delete:informed-before']);
    // makeInformer returns the ListWatch, which is also the informer's cache.
    expect((informer as unknown as ObjectCache<V1ConfigMap>).list().map((object) => object.metadata?.name)).toEqual(['informed-after']);
  });

  it('answers 422 for sendInitialEvents without resourceVersionMatch', async () => {
    const { status } = await target().request('GET', `${configmaps()}?watch=true&sendInitialEvents=true`);
    expect(status).toBe(422);
  });
});
