// fast-check generators of merge scenarios: a kind, then a few operations by a few managers
// (server-side applies of full or partial configurations, with and without force; strategic merge
// patches with directives; creates and updates). Values come from small pools so managers collide.
import fc from 'fast-check';
import type { JsonObject } from '@weft/merge';
import { widgetApiVersion } from './widget-crd.ts';

/** Replaced by the object's name when a scenario runs. */
export const NAME = '@name';

export type ScenarioKind = 'Deployment' | 'Service' | 'ConfigMap' | 'Widget';

export type StepSpec =
  | { op: 'apply'; manager: string; force: boolean; body: JsonObject }
  | { op: 'smp'; manager: string; patch: JsonObject }
  | { op: 'create'; manager: string; body: JsonObject }
  | { op: 'update'; manager: string; change: JsonObject };

export interface Scenario {
  kind: ScenarioKind;
  steps: StepSpec[];
}

export const apiVersions: Record<ScenarioKind, string> = { Deployment: 'apps/v1', Service: 'v1', ConfigMap: 'v1', Widget: widgetApiVersion };

const manager = fc.constantFrom('alpha', 'beta', 'gamma');
const force = fc.boolean();
const labelKey = fc.constantFrom('team', 'tier', 'env');
const labelValue = fc.constantFrom('x', 'y');
const labels = fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 2 });
const labelsPatch = fc.dictionary(labelKey, fc.oneof(labelValue, fc.constant(null)), { minKeys: 1, maxKeys: 2 });

function optionalRecord<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T, required: (keyof T)[] = []): fc.Arbitrary<JsonObject> {
  return fc.record(fields, { requiredKeys: required as never[] }) as unknown as fc.Arbitrary<JsonObject>;
}

const metadata = optionalRecord({ labels, annotations: fc.dictionary(fc.constantFrom('note', 'owner'), fc.constantFrom('a', 'b'), { minKeys: 1, maxKeys: 2 }) });

// ---- Deployment ----

const containerNames = ['app', 'side', 'tail'] as const;
const port = fc.record({ containerPort: fc.constantFrom(80, 443, 8080) }, {}).chain((base) =>
  fc.option(fc.constantFrom('TCP', 'UDP'), { nil: undefined }).map((protocol) => (protocol === undefined ? base : { ...base, protocol })),
);
const ports = fc.uniqueArray(port, { minLength: 1, maxLength: 3, selector: (p) => `${p.containerPort}/${(p as { protocol?: string }).protocol ?? 'TCP'}` });
const env = fc.uniqueArray(fc.record({ name: fc.constantFrom('A', 'B', 'C'), value: fc.constantFrom('1', '2') }), { minLength: 1, maxLength: 3, selector: (e) => e.name });

function container(full: boolean): fc.Arbitrary<JsonObject> {
  return fc
    .record(
      {
        name: fc.constantFrom(...containerNames),
        image: fc.constantFrom('nginx:1', 'nginx:2', 'busybox:1'),
        ports,
        env,
        args: fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 }),
        imagePullPolicy: fc.constantFrom('Always', 'IfNotPresent'),
      },
      { requiredKeys: full ? ['name', 'image'] : ['name'] },
    )
    .map((value) => value as JsonObject);
}

const containers = (full: boolean): fc.Arbitrary<JsonObject[]> =>
  fc.uniqueArray(container(full), { minLength: 1, maxLength: 3, selector: (c) => c['name'] });

const strategy = fc.oneof(fc.constant({ type: 'Recreate' }), fc.record({ type: fc.constant('RollingUpdate'), rollingUpdate: fc.record({ maxSurge: fc.constantFrom(1, '25%') }) }));

const fullDeployment: fc.Arbitrary<JsonObject> = fc
  .record({
    metadata,
    spec: optionalRecord(
      {
        replicas: fc.integer({ min: 0, max: 4 }),
        minReadySeconds: fc.integer({ min: 0, max: 3 }),
        strategy,
        selector: fc.constant({ matchLabels: { app: NAME } }),
        template: fc.record({ metadata: fc.constant({ labels: { app: NAME } }), spec: fc.record({ containers: containers(true) }) }),
      },
      ['selector', 'template'],
    ),
  })
  .map((value) => value as JsonObject);

const partialDeployment: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      metadata,
      spec: optionalRecord({
        replicas: fc.integer({ min: 0, max: 4 }),
        minReadySeconds: fc.integer({ min: 0, max: 3 }),
        template: fc.record({ spec: fc.record({ containers: containers(false) }) }),
      }),
    },
    { requiredKeys: ['spec'] },
  )
  .map((value) => value as JsonObject);

/** A subsequence of names in a random order: the `$setElementOrder` list, and the patch items sorted to agree with it. */
const containerPatch: fc.Arbitrary<JsonObject> = fc
  .tuple(
    fc.uniqueArray(
      fc.oneof(
        container(false),
        fc.constantFrom(...containerNames).map((name) => ({ name, $patch: 'delete' }) as JsonObject),
        fc.record({ name: fc.constantFrom(...containerNames), env: fc.array(fc.oneof(fc.record({ name: fc.constantFrom('A', 'B', 'C'), value: fc.constantFrom('3') }), fc.record({ name: fc.constantFrom('A', 'B'), $patch: fc.constant('delete') })), { minLength: 1, maxLength: 2 }) }).map((v) => v as JsonObject),
      ),
      { minLength: 1, maxLength: 3, selector: (c) => c['name'] },
    ),
    fc.boolean(),
    fc.shuffledSubarray([...containerNames], { minLength: 3, maxLength: 3 }),
    fc.subarray([...containerNames]),
  )
  .map(([items, ordered, permutation, extra]) => {
    const dedupedEnv = items.map((item) => (Array.isArray(item['env']) ? { ...item, env: uniqueBy(item['env'] as JsonObject[], (e) => String(e['name'])) } : item));
    if (!ordered) return { containers: dedupedEnv };
    const wanted = new Set<string>([...dedupedEnv.filter((c) => c['$patch'] !== 'delete').map((c) => String(c['name'])), ...extra]);
    const shuffled: string[] = permutation.filter((name) => wanted.has(name));
    const position = (name: unknown): number => shuffled.indexOf(String(name));
    const sorted = [...dedupedEnv].sort((a, b) => position(a['name']) - position(b['name']));
    return { '$setElementOrder/containers': shuffled.map((name) => ({ name })), containers: sorted };
  });

const deploymentPatch: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.record({ spec: fc.record({ replicas: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(null)) }) }),
  fc.record({ metadata: fc.record({ labels: labelsPatch }) }),
  containerPatch.map((spec) => ({ spec: { template: { spec } } })),
  fc.constant({ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }),
  fc.constant({ spec: { strategy: { $retainKeys: ['type', 'rollingUpdate'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } } }),
  containers(true).map((list) => ({ spec: { template: { spec: { containers: [...list, { $patch: 'replace' }] } } } })),
  fc.record({ metadata: fc.record({ finalizers: fc.uniqueArray(fc.constantFrom('example.com/a', 'example.com/b', 'example.com/c'), { minLength: 1, maxLength: 3 }) }) }),
  fc.record({ metadata: fc.record({ '$deleteFromPrimitiveList/finalizers': fc.uniqueArray(fc.constantFrom('example.com/a', 'example.com/b'), { minLength: 1, maxLength: 2 }) }) }),
  fc.constant({ metadata: { finalizers: null } }),
  fc.record({ metadata: fc.record({ annotations: fc.constant({ $patch: 'delete' }) }) }),
);

// ---- Service ----

const servicePort = fc.record({ port: fc.constantFrom(80, 443, 8080), protocol: fc.constantFrom('TCP', 'UDP'), targetPort: fc.constantFrom(8080, 9090) }, { requiredKeys: ['port'] });
const servicePorts = fc
  .uniqueArray(servicePort, { minLength: 1, maxLength: 3, selector: (p) => `${p.port}/${p.protocol ?? 'TCP'}` })
  .map((list) => list.map((p) => ({ name: `p${p.port}-${(p.protocol ?? 'TCP').toLowerCase()}`, ...p })));
const service = (full: boolean): fc.Arbitrary<JsonObject> =>
  fc
    .record(
      {
        metadata,
        spec: optionalRecord(
          { ports: servicePorts, selector: labels, sessionAffinity: fc.constantFrom('None', 'ClientIP'), publishNotReadyAddresses: fc.boolean() },
          full ? ['ports'] : [],
        ),
      },
      { requiredKeys: ['spec'] },
    )
    .map((value) => value as JsonObject);
const servicePatch: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.record({ metadata: fc.record({ labels: labelsPatch }) }),
  fc.record({ spec: fc.record({ selector: labelsPatch }) }),
  servicePorts.map((list) => ({ spec: { ports: list } })),
  fc.constantFrom(80, 443, 8080).map((p) => ({ spec: { ports: [{ port: p, $patch: 'delete' }] } })),
  fc.record({ spec: fc.record({ sessionAffinity: fc.constantFrom('None', 'ClientIP') }) }),
);

// ---- ConfigMap ----

const data = fc.dictionary(fc.constantFrom('k1', 'k2', 'k3', 'k4'), fc.constantFrom('v1', 'v2'), { minKeys: 1, maxKeys: 3 });
const configMap: fc.Arbitrary<JsonObject> = optionalRecord({ metadata, data, immutable: fc.constant(false) });
const configMapPatch: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.record({ data: fc.dictionary(fc.constantFrom('k1', 'k2', 'k3', 'k4'), fc.oneof(fc.constantFrom('v3'), fc.constant(null)), { minKeys: 1, maxKeys: 3 }) }),
  fc.record({ metadata: fc.record({ labels: labelsPatch }) }),
  fc.record({ data: fc.constant({ $patch: 'replace', only: 'x' }) }),
);

// ---- Widget (custom resource) ----

const widgetItem = fc.record(
  { name: fc.constantFrom('a', 'b'), zone: fc.constantFrom('z1', 'z2'), size: fc.integer({ min: 1, max: 3 }), labels: fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom('v', 'w'), { maxKeys: 2 }) },
  { requiredKeys: ['name', 'zone'] },
);
const widgetSpec = optionalRecord({
  replicas: fc.integer({ min: 0, max: 3 }),
  mode: fc.constantFrom('fast', 'safe'),
  items: fc.uniqueArray(widgetItem, { minLength: 1, maxLength: 3, selector: (i) => `${i.name}/${i.zone}` }),
  endpoints: fc.uniqueArray(fc.record({ port: fc.constantFrom(80, 443), host: fc.constantFrom('h1', 'h2') }, { requiredKeys: ['port'] }), { minLength: 1, maxLength: 2, selector: (e) => e.port }),
  tags: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 1, maxLength: 3 }),
  ports: fc.array(fc.constantFrom(1, 2, 3), { minLength: 1, maxLength: 3 }),
  config: fc.dictionary(fc.constantFrom('c1', 'c2'), fc.constantFrom('on', 'off'), { minKeys: 1, maxKeys: 2 }),
  selector: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('w', 'v'), { minKeys: 1, maxKeys: 2 }),
  extra: fc.dictionary(fc.constantFrom('e1', 'e2'), fc.oneof(fc.constantFrom(1, 'x'), fc.dictionary(fc.constantFrom('n'), fc.constantFrom(1, 2), { maxKeys: 1 })), { minKeys: 1, maxKeys: 2 }),
});
const widget: fc.Arbitrary<JsonObject> = fc.record({ metadata, spec: widgetSpec, status: fc.record({ phase: fc.constantFrom('A', 'B') }) }, { requiredKeys: ['spec'] }).map((v) => v as JsonObject);

// ---- Scenarios ----

const labelsChange: fc.Arbitrary<JsonObject> = labels.map((value) => ({ metadata: { labels: value } }));

/** Edits a PUT makes (merged one level deep into the live object). */
const updateChanges: Record<ScenarioKind, fc.Arbitrary<JsonObject>> = {
  Deployment: fc.oneof(labelsChange, fc.record({ spec: fc.record({ replicas: fc.integer({ min: 0, max: 4 }), minReadySeconds: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }) })),
  Service: fc.oneof(labelsChange, fc.record({ spec: fc.record({ sessionAffinity: fc.constantFrom('None', 'ClientIP') }) })),
  ConfigMap: fc.oneof(labelsChange, fc.record({ data: data })),
  Widget: fc.oneof(labelsChange, fc.record({ spec: fc.record({ mode: fc.constantFrom('fast', 'safe'), replicas: fc.integer({ min: 0, max: 3 }) }, { requiredKeys: [] }) })),
};

function scenarioOf(kind: ScenarioKind, full: fc.Arbitrary<JsonObject>, partial: fc.Arbitrary<JsonObject>, patch: fc.Arbitrary<JsonObject> | undefined): fc.Arbitrary<Scenario> {
  const first: fc.Arbitrary<StepSpec> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('apply' as const), manager, force: fc.constant(false), body: full }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('create' as const), manager, body: full }) },
  );
  const later: fc.Arbitrary<StepSpec>[] = [
    fc.record({ op: fc.constant('apply' as const), manager, force, body: fc.oneof(full, partial) }),
    fc.record({ op: fc.constant('apply' as const), manager, force, body: fc.oneof(full, partial) }),
    fc.record({ op: fc.constant('update' as const), manager: fc.constantFrom('editor'), change: updateChanges[kind] }),
  ];
  if (patch !== undefined) later.push(fc.record({ op: fc.constant('smp' as const), manager: fc.constantFrom('patcher'), patch }));
  return fc.record({ kind: fc.constant(kind), steps: fc.tuple(first, fc.array(fc.oneof(...later), { minLength: 1, maxLength: 4 })).map(([head, tail]) => [head, ...tail]) });
}

/** A scenario of any of the four kinds. */
export const scenario: fc.Arbitrary<Scenario> = fc.oneof(
  scenarioOf('Deployment', fullDeployment, partialDeployment, deploymentPatch),
  scenarioOf('Service', service(true), service(false), servicePatch),
  scenarioOf('ConfigMap', configMap, configMap, configMapPatch),
  scenarioOf('Widget', widget, widget, undefined),
);

/** Replaces the {@link NAME} placeholder everywhere in a value. */
export function withName<T>(value: T, name: string): T {
  return JSON.parse(JSON.stringify(value).split(NAME).join(name)) as T;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
