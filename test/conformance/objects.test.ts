import { beforeAll, expect, it } from 'vitest';
import { eventually } from '@weft/testkit';
import { conformance } from './targets';

const podSpec = { containers: [{ name: 'main', image: 'registry.example.com/app:1.0' }] };
const template = { metadata: { labels: { app: 'demo' } }, spec: podSpec };

/** One valid object of each kind, enough for the real apiserver's validation. */
const samples: [path: string, kind: string, body: Record<string, unknown>][] = [
  ['api/v1/namespaces/NS/configmaps', 'ConfigMap', { data: { key: 'value' } }],
  ['api/v1/namespaces/NS/secrets', 'Secret', { stringData: undefined, data: { key: Buffer.from('value').toString('base64') } }],
  ['api/v1/namespaces/NS/serviceaccounts', 'ServiceAccount', {}],
  ['api/v1/namespaces/NS/podtemplates', 'PodTemplate', { template }],
  ['api/v1/namespaces/NS/limitranges', 'LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } }],
  ['apis/apps/v1/namespaces/NS/deployments', 'Deployment', { spec: { replicas: 0, selector: { matchLabels: { app: 'demo' } }, template } }],
  ['apis/apps/v1/namespaces/NS/statefulsets', 'StatefulSet', { spec: { replicas: 0, serviceName: 'demo', selector: { matchLabels: { app: 'demo' } }, template } }],
  ['apis/batch/v1/namespaces/NS/cronjobs', 'CronJob', { spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } } }],
  ['apis/coordination.k8s.io/v1/namespaces/NS/leases', 'Lease', { spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }],
  ['apis/networking.k8s.io/v1/namespaces/NS/networkpolicies', 'NetworkPolicy', { spec: { podSelector: {} } }],
  ['apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles', 'Role', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }],
  ['apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings', 'RoleBinding', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }] }],
];

conformance('objects: create, read, update, delete', (target) => {
  let ns: string;
  beforeAll(async () => {
    ns = await target().namespace('objects');
  });
  const path = (template: string) => `/${template.replace('NS', ns)}`;

  it.each(samples)('creates, reads, updates and deletes %s (%s)', async (collection, kind, body) => {
    const name = `sample-${kind.toLowerCase()}`;
    const created = await target().request('POST', path(collection), { ...body, metadata: { name, labels: { sample: 'yes' } } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.kind).toBe(kind);
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.body.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(created.body.metadata.namespace).toBe(ns);

    const read = await target().request('GET', `${path(collection)}/${name}`);
    expect(read.status).toBe(200);
    expect(read.body.metadata.uid).toBe(created.body.metadata.uid);

    // Unconditional (no resourceVersion): controllers of the real cluster may write status meanwhile.
    // Leases allow no unconditional update.
    const resourceVersion = kind === 'Lease' ? read.body.metadata.resourceVersion : undefined;
    const updated = await target().request('PUT', `${path(collection)}/${name}`, { ...read.body, metadata: { ...read.body.metadata, resourceVersion, labels: { sample: 'changed' } } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.metadata.labels).toEqual({ sample: 'changed' });
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));

    const deleted = await target().request('DELETE', `${path(collection)}/${name}`);
    expect(deleted.status).toBe(200);
    expect((await target().request('GET', `${path(collection)}/${name}`)).status).toBe(404);
  });

  it.each([
    ['apis/rbac.authorization.k8s.io/v1/clusterroles', 'ClusterRole', { rules: [] }],
    ['apis/networking.k8s.io/v1/ingressclasses', 'IngressClass', { spec: { controller: 'example.com/ingress' } }],
    ['api/v1/persistentvolumes', 'PersistentVolume', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/weft' } } }],
  ])('creates cluster-scoped %s (%s) without a namespace', async (collection, kind, body) => {
    const name = `weft-conformance-${kind.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
    const created = await target().request('POST', `/${collection}`, { ...body, metadata: { name } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    expect((await target().request('DELETE', `/${collection}/${name}`)).status).toBe(200);
  });

  it('generates a name from generateName', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { generateName: 'gen-' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(created.body.metadata.generateName).toBe('gen-');
  });

  it('answers 409 AlreadyExists for a duplicate name', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'twice' } });
    const again = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'twice' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, details: { name: 'twice', kind: 'configmaps' } });
    expect(again.body.message).toBe('configmaps "twice" already exists');
  });

  it('answers 404 NotFound with the group in the message for apps kinds', async () => {
    const { status, body } = await target().request('GET', path('apis/apps/v1/namespaces/NS/deployments/missing'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ reason: 'NotFound', code: 404, message: 'deployments.apps "missing" not found', details: { name: 'missing', group: 'apps', kind: 'deployments' } });
  });

  it('answers 404 for a namespace that does not exist', async () => {
    const { status, body } = await target().request('POST', '/api/v1/namespaces/no-such-namespace-here/configmaps', { metadata: { name: 'x' } });
    expect(status).toBe(404);
    expect(body.message).toBe('namespaces "no-such-namespace-here" not found');
  });

  it('answers 422 Invalid with a cause for a bad name', async () => {
    const { status, body } = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'Bad_Name' } });
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' })]);
    expect(body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('answers 422 when neither name nor generateName is given', async () => {
    const { status, body } = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: {} });
    expect(status).toBe(422);
    expect(body.details.causes[0]).toMatchObject({ reason: 'FieldValueRequired', field: 'metadata.name' });
  });

  it('answers 400 when the body names another object than the URL', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'url-name' } });
    const { status, body } = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/url-name`, { metadata: { name: 'other-name' } });
    expect(status).toBe(400);
    expect(body.reason).toBe('BadRequest');
  });

  it('answers 400 when the body names another namespace than the URL', async () => {
    const { status } = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'wrong-ns', namespace: 'default' } });
    expect(status).toBe(400);
  });

  it('rejects an update with a stale resourceVersion with 409 Conflict', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'contended' }, data: { v: '1' } });
    const first = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/contended`, { ...created.body, data: { v: '2' } });
    expect(first.status).toBe(200);
    const stale = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/contended`, { ...created.body, data: { v: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toBe('Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('allows an unconditional update of a ConfigMap (no resourceVersion)', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'unconditional' }, data: { v: '1' } });
    const updated = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/unconditional`, { metadata: { name: 'unconditional' }, data: { v: '2' } });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toEqual({ v: '2' });
  });

  it('requires a resourceVersion to update a Lease', async () => {
    const leases = path('apis/coordination.k8s.io/v1/namespaces/NS/leases');
    await target().request('POST', leases, { metadata: { name: 'unconditional-lease' }, spec: { holderIdentity: 'a' } });
    const { status, body } = await target().request('PUT', `${leases}/unconditional-lease`, { metadata: { name: 'unconditional-lease' }, spec: { holderIdentity: 'b' } });
    expect(status).toBe(422);
    expect(body.message).toBe('leases.coordination.k8s.io "unconditional-lease" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update');
    expect(body.details).toMatchObject({ name: 'unconditional-lease', group: 'coordination.k8s.io', kind: 'leases' });
  });

  it('answers 404 for an update of an object that does not exist', async () => {
    const { status } = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/never-created`, { metadata: { name: 'never-created' } });
    expect(status).toBe(404);
  });

  it('keeps the resourceVersion on an update that changes nothing', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'noop' }, data: { a: '1' } });
    const same = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/noop`, created.body);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  it('rejects an update whose uid differs from the stored one with 409', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'uid-check' } });
    const { status } = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/uid-check`, { ...created.body, metadata: { ...created.body.metadata, uid: '00000000-0000-0000-0000-000000000000' } });
    expect(status).toBe(409);
  });

  it('ignores client-set uid and creationTimestamp on create', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'client-meta', creationTimestamp: '2001-01-01T00:00:00Z' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.creationTimestamp).not.toBe('2001-01-01T00:00:00Z');
  });

  it('hands out increasing resourceVersions across kinds (one global counter)', async () => {
    const a = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'rv-a' } });
    const b = await target().request('POST', path('api/v1/namespaces/NS/serviceaccounts'), { metadata: { name: 'rv-b' } });
    const c = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'rv-c' } });
    expect(Number(b.body.metadata.resourceVersion)).toBeGreaterThan(Number(a.body.metadata.resourceVersion));
    expect(Number(c.body.metadata.resourceVersion)).toBeGreaterThan(Number(b.body.metadata.resourceVersion));
  });

  it('sets generation 1 on a Deployment and bumps it on spec changes only', async () => {
    const deployments = path('apis/apps/v1/namespaces/NS/deployments');
    const created = await target().request('POST', deployments, { metadata: { name: 'gen' }, spec: { replicas: 0, selector: { matchLabels: { app: 'demo' } }, template } });
    expect(created.body.metadata.generation).toBe(1);
    const labelled = await target().request('PATCH', `${deployments}/gen`, { metadata: { labels: { touched: 'yes' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await target().request('PATCH', `${deployments}/gen`, { spec: { replicas: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(scaled.body.metadata.generation).toBe(2);
  });

  it('sets no generation on a ConfigMap', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'no-gen' }, data: { a: '1' } });
    expect(created.body.metadata.generation).toBeUndefined();
  });

  it('defaults a Deployment: replicas 1, RollingUpdate 25%, revisionHistoryLimit 10, progressDeadlineSeconds 600', async () => {
    const created = await target().request('POST', path('apis/apps/v1/namespaces/NS/deployments'), { metadata: { name: 'defaults' }, spec: { selector: { matchLabels: { app: 'demo' } }, template } });
    expect(created.body.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
  });

  it('drops status sent on create for kinds with a status subresource', async () => {
    const created = await target().request('POST', path('apis/apps/v1/namespaces/NS/deployments'), { metadata: { name: 'no-status' }, spec: { replicas: 0, selector: { matchLabels: { app: 'demo' } }, template }, status: { replicas: 7 } });
    expect(created.body.status?.replicas).toBeUndefined();
  });

  it('completes a Service: ClusterIP type and address, TCP ports targeting themselves, single-stack IPv4', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/services'), { metadata: { name: 'svc' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(created.body.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(created.body.spec.clusterIPs).toEqual([created.body.spec.clusterIP]);
    expect(created.body.status).toEqual({ loadBalancer: {} });
  });

  it('gives a NodePort Service a node port in 30000-32767 and externalTrafficPolicy Cluster', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/services'), { metadata: { name: 'node-port' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http', name: 'web' }] } });
    expect(created.body.spec.externalTrafficPolicy).toBe('Cluster');
    expect(created.body.spec.ports[0]).toMatchObject({ targetPort: 'http', protocol: 'TCP' });
    expect(created.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(created.body.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
  });

  it('completes a new Pod: policies, container defaults, phase Pending and QoS class', async () => {
    // The real cluster's service account admission needs the namespace's default ServiceAccount, made by a controller.
    let created: { status: number; body: any; text: string } | undefined;
    await eventually('pod created', async () => {
      created = await target().request('POST', path('api/v1/namespaces/NS/pods'), { metadata: { name: 'pod' }, spec: { containers: [{ name: 'c', image: 'example.com/x:1', resources: { requests: { cpu: '10m' } } }] } });
      return created.status === 201;
    });
    const { spec, status, metadata } = created!.body;
    expect(spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, serviceAccountName: 'default', enableServiceLinks: true, priority: 0 });
    expect(spec.containers[0]).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
    expect(spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    expect(status).toEqual({ phase: 'Pending', qosClass: 'Burstable' });
    expect(metadata.generation).toBe(1);
  });

  it('completes a new Job: generated selector and template labels, scalar defaults', async () => {
    const created = await target().request('POST', path('apis/batch/v1/namespaces/NS/jobs'), {
      metadata: { name: 'job' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.com/x:1' }] } } },
    });
    expect(created.status, created.text).toBe(201);
    const { spec, metadata } = created.body;
    expect(spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': metadata.uid } });
    expect(spec.template.metadata.labels).toMatchObject({ 'batch.kubernetes.io/controller-uid': metadata.uid, 'batch.kubernetes.io/job-name': 'job', 'controller-uid': metadata.uid, 'job-name': 'job' });
    expect(spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    expect(metadata.generation).toBe(1);
  });

  it('defaults a Secret type to Opaque', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/secrets'), { metadata: { name: 'opaque' }, data: {} });
    expect(created.body.type).toBe('Opaque');
  });

  it('labels a new namespace with kubernetes.io/metadata.name, finalizer kubernetes, phase Active', async () => {
    const name = await target().namespace('labelled');
    const { body } = await target().request('GET', `/api/v1/namespaces/${name}`);
    expect(body.metadata.labels['kubernetes.io/metadata.name']).toBe(name);
    expect(body.spec.finalizers).toEqual(['kubernetes']);
    expect(body.status.phase).toBe('Active');
  });

  it('drops unknown fields with a warning by default (fieldValidation=Warn)', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'unknown-warn' }, data: { k: 'v' }, bogus: 1 });
    expect(created.status).toBe(201);
    expect(created.body.bogus).toBeUndefined();
    expect(created.warning).toContain('unknown field \\"bogus\\"');
  });

  it('rejects unknown fields with fieldValidation=Strict, naming each in document order', async () => {
    const { status, body } = await target().request('POST', `${path('api/v1/namespaces/NS/configmaps')}?fieldValidation=Strict`, { metadata: { name: 'unknown-strict' }, bogus: 1, spec: { x: 1 } });
    expect(status).toBe(400);
    expect(body.reason).toBe('BadRequest');
    expect(body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", unknown field "spec"');
  });

  it('names nested unknown fields with list indexes under Strict', async () => {
    const bad = { metadata: { name: 'unknown-nested' }, spec: { replicas: 0, selector: { matchLabels: { app: 'demo' } }, template: { metadata: { labels: { app: 'demo' } }, spec: { containers: [{ name: 'c', image: 'i', bogus: 2 }] } } } };
    const { status, body } = await target().request('POST', `${path('apis/apps/v1/namespaces/NS/deployments')}?fieldValidation=Strict`, bad);
    expect(status).toBe(400);
    expect(body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].bogus"');
  });

  it('fails a merge patch that adds an unknown field under Strict with 422 on patch, quoting the patched object', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'unknown-patch' }, data: { k: 'v' } });
    const { status, body } = await target().request('PATCH', `${path('api/v1/namespaces/NS/configmaps')}/unknown-patch?fieldValidation=Strict`, { bogus: 1 }, { 'Content-Type': 'application/merge-patch+json' });
    expect(status).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes).toEqual([{ reason: 'FieldValueInvalid', message: expect.stringMatching(/^Invalid value: ".*unknown-patch.*": strict decoding error: unknown field "bogus"$/), field: 'patch' }]);
  });

  it('drops unknown fields silently with fieldValidation=Ignore', async () => {
    const created = await target().request('POST', `${path('api/v1/namespaces/NS/configmaps')}?fieldValidation=Ignore`, { metadata: { name: 'unknown-ignore' }, bogus: 1 });
    expect(created.status).toBe(201);
    expect(created.body.bogus).toBeUndefined();
    expect(created.warning).toBeUndefined();
  });

  it('refuses an apply configuration with an undeclared field (500, as the apiserver)', async () => {
    const { status, body } = await target().request('PATCH', `${path('api/v1/namespaces/NS/configmaps')}/unknown-apply?fieldManager=alice`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unknown-apply' }, bogus: 1 }, { 'Content-Type': 'application/apply-patch+yaml' });
    expect(status).toBe(500);
    expect(body.message).toMatch(/^failed to create typed patch object \(.*\/unknown-apply; \/v1, Kind=ConfigMap\): \.bogus: field not declared in schema$/);
  });

  it('records managedFields for the field manager of a create', async () => {
    const created = await target().request('POST', `${path('api/v1/namespaces/NS/configmaps')}?fieldManager=creator`, { metadata: { name: 'managed' }, data: { key: 'v' } });
    const entry = (created.body.metadata.managedFields as any[]).find((candidate) => candidate.manager === 'creator');
    expect(entry).toMatchObject({ operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1['f:data']['f:key']).toEqual({});
  });

  it('does not store a dry-run create', async () => {
    const created = await target().request('POST', `${path('api/v1/namespaces/NS/configmaps')}?dryRun=All`, { metadata: { name: 'dry' }, data: { a: '1' } });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ a: '1' });
    expect((await target().request('GET', `${path('api/v1/namespaces/NS/configmaps')}/dry`)).status).toBe(404);
  });

  it('does not store a dry-run update', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'dry-update' }, data: { a: '1' } });
    const dry = await target().request('PUT', `${path('api/v1/namespaces/NS/configmaps')}/dry-update?dryRun=All`, { metadata: { name: 'dry-update' }, data: { a: '2' } });
    expect(dry.status).toBe(200);
    expect(dry.body.data).toEqual({ a: '2' });
    expect((await target().request('GET', `${path('api/v1/namespaces/NS/configmaps')}/dry-update`)).body.data).toEqual({ a: '1' });
  });

  it('does not delete on a dry-run delete', async () => {
    await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'dry-delete' } });
    expect((await target().request('DELETE', `${path('api/v1/namespaces/NS/configmaps')}/dry-delete?dryRun=All`)).status).toBe(200);
    expect((await target().request('GET', `${path('api/v1/namespaces/NS/configmaps')}/dry-delete`)).status).toBe(200);
  });

  it('answers an immediate delete with a Success Status naming the object', async () => {
    const created = await target().request('POST', path('api/v1/namespaces/NS/configmaps'), { metadata: { name: 'gone' } });
    const { status, body } = await target().request('DELETE', `${path('api/v1/namespaces/NS/configmaps')}/gone`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'gone', kind: 'configmaps', uid: created.body.metadata.uid } });
  });

  it('answers 404 for deleting what does not exist', async () => {
    const { status, body } = await target().request('DELETE', `${path('api/v1/namespaces/NS/configmaps')}/not-there`);
    expect(status).toBe(404);
    expect(body.reason).toBe('NotFound');
  });

  it('answers 404 for a resource it does not serve', async () => {
    expect((await target().request('GET', path('api/v1/namespaces/NS/widgets'))).status).toBe(404);
  });

  it('answers 405 for deletecollection on namespaces', async () => {
    expect((await target().request('DELETE', '/api/v1/namespaces?labelSelector=nothing%3Dmatches')).status).toBe(405);
  });
});
