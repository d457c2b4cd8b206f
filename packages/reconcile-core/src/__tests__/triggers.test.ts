import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DeploymentKind, NamespaceKind, resourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { triggerOwners, triggerSelf, triggerWith } from '../pipeline/triggers.js';
import type { WatchEvent } from '../pipeline/watch.js';

const WebAppKind = resourceKind<KubeObject>({ apiVersion: 'example.com/v1', kind: 'WebApp', plural: 'webapps', namespaced: true });
const obj = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'prod', name, ...extra } });
const collect = <T>(events: WatchEvent<KubeObject>[], operator: (source: ReturnType<typeof from<WatchEvent<KubeObject>[]>>) => import('rxjs').Observable<T>) => lastValueFrom(operator(from(events)).pipe(toArray()));

describe('triggers', () => {
  it('self maps InitApply, Apply and Delete to the object and ignores markers and errors', async () => {
    const events: WatchEvent<KubeObject>[] = [{ type: 'Init' }, { type: 'InitApply', object: obj('a') }, { type: 'InitDone' }, { type: 'Apply', object: obj('b') }, { type: 'Delete', object: obj('c') }];
    expect(await collect(events, (s) => s.pipe(triggerSelf()))).toEqual([
      { namespace: 'prod', name: 'a' },
      { namespace: 'prod', name: 'b' },
      { namespace: 'prod', name: 'c' },
    ]);
  });

  it('owners follow the controller owner reference of the owner kind in any version, in the child namespace', async () => {
    const child = obj('web-abc', {
      ownerReferences: [
        { apiVersion: 'example.com/v1beta1', kind: 'WebApp', name: 'web', uid: '1', controller: true },
        { apiVersion: 'example.com/v1', kind: 'WebApp', name: 'other', uid: '2' },
        { apiVersion: 'other.io/v1', kind: 'WebApp', name: 'foreign', uid: '3', controller: true },
      ],
    });
    expect(await collect([{ type: 'Apply', object: child }], (s) => s.pipe(triggerOwners(WebAppKind)))).toEqual([{ namespace: 'prod', name: 'web' }]);
    expect(await collect([{ type: 'Apply', object: child }], (s) => s.pipe(triggerOwners(WebAppKind, { controllerOnly: false })))).toEqual([
      { namespace: 'prod', name: 'web' },
      { namespace: 'prod', name: 'other' },
    ]);
    const owned = obj('x', { ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'prod', uid: '4', controller: true }] });
    expect(await collect([{ type: 'Delete', object: owned }], (s) => s.pipe(triggerOwners(NamespaceKind)))).toEqual([{ name: 'prod' }]);
    expect(await collect([{ type: 'Apply', object: obj('y') }], (s) => s.pipe(triggerOwners(DeploymentKind)))).toEqual([]);
  });

  it('mapped watches emit what the map returns and survive a throwing map', async () => {
    const errors: unknown[] = [];
    const map = (o: KubeObject) => {
      if (o.metadata.name === 'bad') throw new Error('boom');
      return [{ namespace: 'prod', name: `${o.metadata.name}-1` }, { namespace: 'prod', name: `${o.metadata.name}-2` }];
    };
    const events: WatchEvent<KubeObject>[] = [{ type: 'Apply', object: obj('bad') }, { type: 'Apply', object: obj('cm') }];
    expect(await collect(events, (s) => s.pipe(triggerWith(map, (error) => errors.push(error))))).toEqual([
      { namespace: 'prod', name: 'cm-1' },
      { namespace: 'prod', name: 'cm-2' },
    ]);
    expect(errors).toHaveLength(1);
  });
});
