import { randomBytes } from 'node:crypto';
import {
  CRDNamesNotAcceptedError,
  CustomResourceDefinitionKind,
  InvalidError,
  KubeClient,
  UnknownKindError,
  defineResource,
  installCRDs,
  isInvalidError,
  type ObjectOf,
} from '@weft/reconcile-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';

// A group of its own per run, so reruns against one control plane never meet an old CRD.
const group = `t${randomBytes(3).toString('hex')}.weft.dev`;

const GadgetKind = defineResource({
  group,
  version: 'v1',
  kind: 'Gadget',
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['image'],
        properties: {
          image: { type: 'string', minLength: 1, maxLength: 20 },
          replicas: { type: 'integer', minimum: 0, maximum: 10 },
          mode: { type: 'string', enum: ['fast', 'safe'] },
          port: { 'x-kubernetes-int-or-string': true },
          env: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Z_]+$' }, value: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          ratio: { type: 'number', exclusiveMinimum: 0 },
          startsAt: { type: 'string', format: 'date-time' },
          hosts: { type: 'array', maxItems: 2, items: { type: 'string' } },
          note: { type: 'string', nullable: true },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          phase: { type: 'string' },
          conditions: {
            type: 'array',
            items: { type: 'object', required: ['type', 'status'], properties: { type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const);
type Gadget = ObjectOf<typeof GadgetKind>;

describeCluster('defineResource and installCRDs against the real kube-apiserver', () => {
  let namespace: string;
  let client: KubeClient;

  beforeAll(async () => {
    namespace = await testNamespace('core-resource');
    client = new KubeClient(clusterKubeConfig());
  });
  afterAll(async () => {
    await client.delete(CustomResourceDefinitionKind, GadgetKind.crd.metadata.name).catch(() => undefined);
    client.close();
  });

  const gadget = (name: string, spec: Record<string, unknown>): Gadget => ({ apiVersion: GadgetKind.apiVersion, kind: 'Gadget', metadata: { name, namespace }, spec }) as Gadget;

  it('maps a kind only once its CRD is installed mid-run, and installCRDs waits for Established', async () => {
    const before = await client.resourceKind({ apiVersion: GadgetKind.apiVersion, kind: 'Gadget' }).catch((caught: unknown) => caught);
    expect(before).toBeInstanceOf(UnknownKindError);

    const [installed] = await installCRDs(client, [GadgetKind], { timeout: '60s' });
    expect(installed?.status?.conditions?.find((condition) => condition.type === 'Established')?.status ?? 'True').toBe('True');
    const crd = await client.get(CustomResourceDefinitionKind, GadgetKind.crd.metadata.name);
    expect(crd.status?.conditions?.find((condition) => condition.type === 'Established')?.status).toBe('True');

    expect(await client.resourceKind({ apiVersion: GadgetKind.apiVersion, kind: 'Gadget' })).toMatchObject({ plural: 'gadgets', namespaced: true });
    // Installing again is an idempotent apply.
    await installCRDs(client, [GadgetKind]);
  });

  it('fails with CRDNamesNotAcceptedError when the names clash with another CRD of the group', async () => {
    const simple = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } as const;
    const Alpha = defineResource({ group, version: 'v1', kind: 'Alpha', schema: simple });
    const Clash = defineResource({ group, version: 'v1', kind: 'Clash', plural: 'clashes', singular: 'alphas', schema: simple });
    try {
      await installCRDs(client, [Alpha]);
      const error = await installCRDs(client, [Clash], { timeout: '20s' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CRDNamesNotAcceptedError);
      expect((error as CRDNamesNotAcceptedError).message).toContain(`CustomResourceDefinition/clashes.${group} names not accepted:`);
    } finally {
      for (const crd of [Alpha.crd, Clash.crd]) await client.delete(CustomResourceDefinitionKind, crd.metadata.name).catch(() => undefined);
    }
  });

  const cases: { name: string; spec: Record<string, unknown> }[] = [
    { name: 'ok-minimal', spec: { image: 'nginx' } },
    { name: 'ok-full', spec: { image: 'nginx', replicas: 10, mode: 'fast', port: 8080, env: [{ name: 'A_B', value: 'x' }], labels: { a: 'b' }, ratio: 0.5 } },
    { name: 'ok-port-name', spec: { image: 'nginx', port: 'http' } },
    { name: 'bad-missing-image', spec: { replicas: 1 } },
    { name: 'bad-replicas-type', spec: { image: 'nginx', replicas: 'three' } },
    { name: 'bad-replicas-max', spec: { image: 'nginx', replicas: 11 } },
    { name: 'bad-mode', spec: { image: 'nginx', mode: 'slow' } },
    { name: 'bad-image-long', spec: { image: 'x'.repeat(21) } },
    { name: 'bad-env-pattern', spec: { image: 'nginx', env: [{ name: 'lower' }] } },
    { name: 'bad-env-required', spec: { image: 'nginx', env: [{ value: 'x' }] } },
    { name: 'bad-label-type', spec: { image: 'nginx', labels: { a: 1 } } },
    { name: 'bad-ratio-zero', spec: { image: 'nginx', ratio: 0 } },
    { name: 'bad-port-float', spec: { image: 'nginx', port: 1.5 } },
    { name: 'bad-several', spec: { image: '', replicas: -1, mode: 'slow' } },
    { name: 'ok-date-time', spec: { image: 'nginx', startsAt: '2026-01-02T03:04:05Z', hosts: ['a', 'b'], note: null } },
    { name: 'bad-date-time', spec: { image: 'nginx', startsAt: 'yesterday' } },
    { name: 'bad-hosts-many', spec: { image: 'nginx', hosts: ['a', 'b', 'c'] } },
    { name: 'bad-null-image', spec: { image: null } },
  ];

  it('validates as the apiserver does, field by field', async () => {
    for (const { name, spec } of cases) {
      const object = gadget(name, spec);
      const local = GadgetKind.validate(object);
      const server = await client.create(object, { dryRun: true }).then(
        () => undefined,
        (error: unknown) => {
          if (isInvalidError(error)) return error;
          throw error;
        },
      );
      const localFields = local.valid ? [] : [...new Set(local.errors.map((error) => error.field))].sort();
      const serverFields = server ? [...new Set(server.fields.map((field) => field.field))].sort() : [];
      expect({ name, fields: localFields }).toEqual({ name, fields: serverFields });
      expect({ name, valid: local.valid }).toEqual({ name, valid: name.startsWith('ok-') });
    }
  });

  it('reports the apiserver reasons the validator uses for required, enum and type failures', async () => {
    const server = (await client.create(gadget('reasons', { replicas: 'x', mode: 'slow' }), { dryRun: true }).catch((caught: unknown) => caught)) as InvalidError;
    expect(server).toBeInstanceOf(InvalidError);
    const local = GadgetKind.validate(gadget('reasons', { replicas: 'x', mode: 'slow' }));
    const reasons = (fields: readonly { field: string; reason: string }[]) => Object.fromEntries(fields.map((field) => [field.field, field.reason]));
    expect(local.valid ? {} : reasons(local.errors)).toEqual(reasons(server.fields));
  });

  it('creates, patches and applies status through the status subresource', async () => {
    const created = await client.create(gadget('with-status', { image: 'nginx' }));
    expect(created.metadata.generation).toBe(1);

    const patched = await client.patchStatus(GadgetKind, 'with-status', { status: { phase: 'Running', observedGeneration: 1 } }, { namespace });
    expect(patched.status).toEqual({ phase: 'Running', observedGeneration: 1 });
    // The main resource ignores status; the status subresource ignores spec.
    await client.patch(GadgetKind, 'with-status', { spec: { replicas: 2 }, status: { phase: 'Ignored' } }, { namespace });
    const afterSpec = await client.get(GadgetKind, 'with-status', { namespace });
    expect(afterSpec.status?.phase).toBe('Running');
    expect(afterSpec.metadata.generation).toBe(2);

    const applied = await client.applyStatus({ apiVersion: GadgetKind.apiVersion, kind: 'Gadget', metadata: { name: 'with-status', namespace }, status: { phase: 'Ready', observedGeneration: 2 } } as Gadget, { fieldManager: 'status-writer', force: true });
    expect(applied.status?.phase).toBe('Ready');
    expect(applied.spec?.replicas).toBe(2);
    expect(applied.metadata.managedFields?.find((entry) => entry.manager === 'status-writer')?.subresource).toBe('status');

    const replaced = await client.updateStatus({ ...applied, status: { ...applied.status, phase: 'Done' } });
    expect(replaced.status?.phase).toBe('Done');
  });
});
