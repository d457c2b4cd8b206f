// Hand-written differential cases: every strategic merge patch directive and the server-side
// apply behaviours (conflicts, force, shared ownership, pruning, Update vs Apply, CRD list types),
// each run against the real kube-apiserver and through @weft/merge, step by step.
import { readFileSync } from 'node:fs';
import { serverSideApply, type JsonObject } from '@weft/merge';
import { collectBuiltinSchema } from '../../tools/merge-metadata/collect.ts';
import { expect, it } from 'vitest';
import { describeCluster } from '../support/cluster.ts';
import { useMergeCluster } from './support/control-plane.ts';
import { runStep, type Step, type StepOutcome } from './support/differential.ts';
import { comparableManagedFields, managedFieldsOf } from './support/normalize.ts';
import { widgetApiVersion, widgetGroup } from './support/widget-crd.ts';

const namespace = 'merge-directives';

function deployment(name: string, spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, ...metadata }, spec };
}

function fullDeployment(name: string, containers: JsonObject[], extra: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return deployment(
    name,
    {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers, ...((extra['podSpec'] as JsonObject) ?? {}) } },
      ...Object.fromEntries(Object.entries(extra).filter(([key]) => key !== 'podSpec')),
    },
    metadata,
  );
}

function widget(name: string, spec: JsonObject, extra: JsonObject = {}): JsonObject {
  return { apiVersion: widgetApiVersion, kind: 'Widget', metadata: { name, namespace }, spec, ...extra };
}

function patchSpec(template: JsonObject): JsonObject {
  return { spec: { template: { spec: template } } };
}

describeCluster('@weft/merge against kube-apiserver: directives and ownership', () => {
  const cluster = useMergeCluster(namespace);

  /** Runs the steps in order and returns their outcomes; fails on the first difference. */
  async function run(target: JsonObject, steps: Step[]): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const [index, step] of steps.entries()) {
      const outcome = await runStep(cluster(), target, step);
      if (outcome.status === 'different') throw new Error(`step ${index} (${step.op} by ${step.manager}) differs:\n${outcome.detail}`);
      outcomes.push(outcome);
    }
    return outcomes;
  }

  const app = { name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] };
  const side = { name: 'side', image: 'busybox:1', args: ['sleep', '10'] };

  it('strategic merge patch: merging lists by key (add an item, change an item)', async () => {
    const target = deployment('smp-merge-key');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-merge-key', [app]) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ name: 'side', image: 'busybox:1' }, { name: 'app', image: 'nginx:2' }] }) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ name: 'app', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 443 }] }] }) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal']);
  });

  it('strategic merge patch: $patch: delete removes a list item; null removes a field', async () => {
    const target = deployment('smp-delete');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-delete', [app, side], { replicas: 3 }) },
      { op: 'smp', manager: 'patcher', patch: { spec: { replicas: null, template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal']);
  });

  it('strategic merge patch: $patch: replace on a list and on a map', async () => {
    const target = deployment('smp-replace', {}, {});
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-replace', [app, side], {}, { labels: { a: '1', b: '2' } }) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ name: 'only', image: 'nginx:3' }, { $patch: 'replace' }] }) },
      { op: 'smp', manager: 'patcher', patch: { metadata: { labels: { $patch: 'replace', c: '3' } } } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal']);
  });

  it('strategic merge patch: $patch: delete on a map empties it', async () => {
    const target = deployment('smp-delete-map');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-delete-map', [app], {}, { annotations: { x: '1', y: '2' } }) },
      { op: 'smp', manager: 'patcher', patch: { metadata: { annotations: { $patch: 'delete' } } } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal']);
  });

  it('strategic merge patch: $setElementOrder orders a merging list (maps and scalars)', async () => {
    const target = deployment('smp-order');
    const third = { name: 'third', image: 'busybox:2' };
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-order', [app, side, third]) },
      {
        op: 'smp',
        manager: 'patcher',
        patch: patchSpec({ '$setElementOrder/containers': [{ name: 'third' }, { name: 'app' }, { name: 'side' }], containers: [{ name: 'app', image: 'nginx:4' }] }),
      },
      { op: 'smp', manager: 'patcher', patch: { metadata: { finalizers: ['example.com/a', 'example.com/b'] } } },
      { op: 'smp', manager: 'patcher', patch: { metadata: { '$setElementOrder/finalizers': ['example.com/b', 'example.com/c', 'example.com/a'], finalizers: ['example.com/c'] } } },
      // Deletions and ordering together: apimachinery's in-place list mutations decide the order.
      {
        op: 'smp',
        manager: 'patcher',
        patch: patchSpec({ '$setElementOrder/containers': [{ name: 'side' }, { name: 'new' }], containers: [{ name: 'new', image: 'nginx:5' }, { name: 'app', $patch: 'delete' }] }),
      },
      { op: 'smp', manager: 'patcher', patch: { metadata: { finalizers: null } } },
    ]);
    expect(outcomes.every((o) => o.status === 'equal')).toBe(true);
  });

  it('strategic merge patch: $deleteFromPrimitiveList removes scalars from a list', async () => {
    const target = deployment('smp-primitive');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-primitive', [app]) },
      { op: 'smp', manager: 'patcher', patch: { metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] } } },
      { op: 'smp', manager: 'patcher', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/b'] } } },
      { op: 'smp', manager: 'patcher', patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a', 'example.com/c'] } } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal', 'equal']);
  });

  it('strategic merge patch: $retainKeys clears the other members of a union (strategy, volumes)', async () => {
    const target = deployment('smp-retain');
    const volume = { name: 'data', emptyDir: { medium: 'Memory' } };
    const outcomes = await run(target, [
      {
        op: 'apply',
        manager: 'owner',
        force: false,
        config: fullDeployment('smp-retain', [app], { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } }, podSpec: { volumes: [volume] } }),
      },
      { op: 'smp', manager: 'patcher', patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } } },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'settings' } }] }) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal']);
  });

  it('strategic merge patch: malformed patches are refused by both', async () => {
    const target = deployment('smp-bad');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'owner', force: false, config: fullDeployment('smp-bad', [app], {}, { labels: { a: '1' } }) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ image: 'no-name' }] }) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ name: 'app', $patch: 'merge' }] }) },
      { op: 'smp', manager: 'patcher', patch: patchSpec({ containers: [{ name: 'app', $patch: 'unknown' }] }) },
      { op: 'smp', manager: 'patcher', patch: { metadata: { labels: { $patch: 'merge', a: 'b' } } } },
      // A directive inside a value that is new to the object is dropped, not refused.
      { op: 'smp', manager: 'patcher', patch: { metadata: { annotations: { $patch: 'merge', a: 'b' } } } },
    ]);
    expect(outcomes.slice(1).map((o) => o.note?.startsWith('both refused') ?? o.status)).toEqual([true, true, true, true, 'equal']);
  });

  it('strategic merge patch: Services merge ports by port, ConfigMaps merge data', async () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'smp-service', namespace } };
    const serviceOutcomes = await run(service, [
      { op: 'apply', manager: 'owner', force: false, config: { ...service, spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } },
      { op: 'smp', manager: 'patcher', patch: { spec: { ports: [{ name: 'https', port: 443 }, { port: 80, targetPort: 9090 }] } } },
      { op: 'smp', manager: 'patcher', patch: { spec: { selector: { app: null, tier: 'web' } } } },
    ]);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'smp-config', namespace } };
    const configOutcomes = await run(configMap, [
      { op: 'apply', manager: 'owner', force: false, config: { ...configMap, data: { a: '1', b: '2' } } },
      { op: 'smp', manager: 'patcher', patch: { data: { a: null, c: '3' } } },
    ]);
    expect([...serviceOutcomes, ...configOutcomes].every((o) => o.status === 'equal')).toBe(true);
  });

  it('server-side apply: conflicts between managers, shared ownership of equal values, force', async () => {
    const target = deployment('ssa-conflict');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-conflict', [app], { replicas: 2 }, { labels: { team: 'a' } }) },
      { op: 'apply', manager: 'beta', force: false, config: deployment('ssa-conflict', { replicas: 3 }, { labels: { team: 'b' } }) },
      { op: 'apply', manager: 'beta', force: false, config: deployment('ssa-conflict', { replicas: 2 }, { labels: { team: 'a' } }) },
      { op: 'apply', manager: 'beta', force: true, config: deployment('ssa-conflict', { replicas: 5 }, { labels: { team: 'a' } }) },
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-conflict', [{ ...app, image: 'nginx:9' }], { replicas: 2 }) },
    ]);
    expect(outcomes.map((o) => o.note ?? o.status)).toEqual(['equal', 'conflict', 'equal', 'equal', 'conflict']);
  });

  it('server-side apply: fields a manager stops applying are removed unless someone else owns them', async () => {
    const target = deployment('ssa-prune');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-prune', [app, side], { replicas: 2, minReadySeconds: 5 }, { labels: { a: '1', b: '2' } }) },
      { op: 'apply', manager: 'beta', force: false, config: deployment('ssa-prune', { minReadySeconds: 5 }, { labels: { b: '2' } }) },
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-prune', [app]) },
      { op: 'apply', manager: 'beta', force: false, config: deployment('ssa-prune', {}, { labels: { c: '3' } }) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal', 'equal']);
  });

  it('server-side apply: keyed lists with defaulted keys (ports by containerPort and protocol)', async () => {
    const target = deployment('ssa-ports');
    const outcomes = await run(target, [
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-ports', [{ name: 'app', image: 'nginx', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] }]) },
      { op: 'apply', manager: 'beta', force: false, config: fullDeployment('ssa-ports', [{ name: 'app', ports: [{ containerPort: 53, protocol: 'TCP', name: 'dns' }] }]) },
      { op: 'apply', manager: 'alpha', force: false, config: fullDeployment('ssa-ports', [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }] }]) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal', 'equal']);
  });

  it('server-side apply after Update operations: create (POST), edits (PUT), patches', async () => {
    const target = deployment('ssa-update');
    const outcomes = await run(target, [
      { op: 'create', manager: 'creator', object: fullDeployment('ssa-update', [app], { replicas: 1 }, { labels: { made: 'by-post' } }) },
      { op: 'apply', manager: 'alpha', force: false, config: deployment('ssa-update', { replicas: 4 }) },
      { op: 'apply', manager: 'alpha', force: true, config: deployment('ssa-update', { replicas: 4 }) },
      { op: 'update', manager: 'editor', change: { metadata: { labels: { made: 'by-put', extra: 'x' } } } },
      { op: 'smp', manager: 'patcher', patch: { spec: { replicas: 6 } } },
      { op: 'apply', manager: 'alpha', force: false, config: deployment('ssa-update', { replicas: 4 }) },
    ]);
    expect(outcomes.map((o) => o.note ?? o.status)).toEqual(['equal', 'conflict', 'equal', 'equal', 'equal', 'conflict']);
  });

  it('server-side apply on a custom resource: map lists with two keys, integer keys, sets, atomic maps and lists', async () => {
    const target = widget('ssa-widget', {});
    const outcomes = await run(target, [
      {
        op: 'apply',
        manager: 'alpha',
        force: false,
        config: widget('ssa-widget', {
          replicas: 1,
          items: [{ name: 'a', zone: 'z1', size: 1 }, { name: 'a', zone: 'z2', labels: { k: 'v' } }],
          endpoints: [{ port: 80, host: 'h' }],
          tags: ['x', 'y'],
          ports: [1, 2],
          selector: { app: 'w' },
          extra: { free: { form: [1, 2] } },
        }),
      },
      { op: 'apply', manager: 'beta', force: false, config: widget('ssa-widget', { items: [{ name: 'b', zone: 'z1' }], tags: ['z'], endpoints: [{ port: 443 }], extra: { other: 1 } }) },
      { op: 'apply', manager: 'beta', force: false, config: widget('ssa-widget', { selector: { app: 'w', more: 'x' } }) },
      { op: 'apply', manager: 'beta', force: true, config: widget('ssa-widget', { selector: { app: 'w', more: 'x' }, ports: [3], items: [{ name: 'a', zone: 'z1', size: 2 }] }) },
      { op: 'apply', manager: 'alpha', force: false, config: widget('ssa-widget', { replicas: 1, tags: ['x'], items: [{ name: 'a', zone: 'z2' }] }) },
    ]);
    expect(outcomes.map((o) => o.note ?? o.status)).toEqual(['equal', 'equal', 'conflict', 'equal', 'equal']);
    // kube-apiserver refuses strategic merge patches of custom resources; @weft/merge applies them
    // as JSON merge patch plus directives (documented in its README).
    const refused = await cluster().oracle.strategicMergePatch(target, { spec: { mode: 'x' } }, 'patcher');
    expect(refused.ok ? 0 : refused.code).toBe(415);
  });

  it('server-side apply: status is ignored on kinds with a status subresource', async () => {
    const target = widget('ssa-status', {});
    const outcomes = await run(target, [
      { op: 'apply', manager: 'alpha', force: false, config: widget('ssa-status', { replicas: 1 }, { status: { phase: 'Ready' } }) },
      { op: 'apply', manager: 'beta', force: false, config: widget('ssa-status', { mode: 'b' }, { status: { phase: 'Gone' } }) },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['equal', 'equal']);
  });

  it('the committed merge metadata is what the running kube-apiserver serves (regenerate with pnpm --filter @weft/merge generate-schema)', async () => {
    const committed = JSON.parse(readFileSync(new URL('../../packages/merge/src/builtin-schema.json', import.meta.url), 'utf8')) as unknown;
    const served = await collectBuiltinSchema((path) => cluster().oracle.getRaw(path), [widgetGroup]);
    expect(JSON.parse(JSON.stringify(served))).toEqual(committed);
  });

  it('server-side apply to an object without managedFields records before-first-apply', async () => {
    const { oracle, registry } = cluster();
    const name = 'ssa-first-apply';
    const created = await oracle.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { a: '1' } }, data: { k: 'v', l: 'w' } }, 'creator');
    expect(created.ok).toBe(true);
    const cleared = await oracle.replace({ ...(created as { object: JsonObject }).object, metadata: { ...((created as { object: JsonObject }).object['metadata'] as JsonObject), managedFields: [{}] } }, 'creator');
    expect(cleared.ok).toBe(true);
    const live = await oracle.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
    expect(managedFieldsOf(live)).toEqual([]);
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { k: 'changed' } };
    const engine = serverSideApply(live, config, { manager: 'alpha', registry, force: true });
    const real = await oracle.apply(config, 'alpha', true);
    expect(real.ok).toBe(true);
    const theirs = comparableManagedFields(managedFieldsOf((real as { object: JsonObject }).object));
    expect(theirs.map((entry) => (entry as { manager: string }).manager).sort()).toEqual(['alpha', 'before-first-apply']);
    expect(comparableManagedFields(engine.managedFields)).toEqual(theirs);
  });
});
