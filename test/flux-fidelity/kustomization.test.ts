// Weft's Kustomization against Flux's, on the real control plane: Flux's source-controller and
// kustomize-controller (tools/flux, run out of cluster) and Weft's operator (@weft/delivery's
// createGitOpsManager) reconcile the same repository revision with the same spec, each into its own
// namespace; the test compares the Ready condition's status and reason, the inventory and the live
// objects (all but server-set metadata). What differs on purpose is normalized in side-by-side.ts
// and listed in README.md, each with its reason.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitOpsManager, installGitOpsCrds } from '@weft/delivery';
import { ConfigMapKind, DeploymentKind, KubeClient, type KubeObject, createLogger } from '@weft/reconcile-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterKubeConfig, describeCluster, testNamespace } from '../support/cluster';
import { type GitServer, type RepoFile, type TestRepo, startGitServer } from '../support/git-server';
import { type RunningFlux, fluxBinaries, fluxVersion, installFluxCrds, startFlux } from './flux-controllers';
import {
  type SharedSpec,
  type Side,
  type Snapshot,
  createGitRepository,
  createKustomization,
  fluxSide,
  liveObject,
  requestFetch,
  snapshot,
  untilSettled,
  weftSide,
} from './side-by-side';

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const configMap = (name: string, data: Record<string, string>, extra: string[] = []) =>
  yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, ...extra, 'data:', ...Object.entries(data).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`));

describeCluster('Flux and Weft reconcile the same revisions, each into its own namespace', () => {
  let client: KubeClient;
  let git: GitServer;
  let workDir: string;
  let flux: RunningFlux;
  let sides: [Side, Side];
  const stopWeft = new AbortController();
  let weftRunning: Promise<void>;

  beforeAll(async () => {
    const binDir = fluxBinaries();
    const kubeConfig = clusterKubeConfig();
    client = new KubeClient(kubeConfig, { fieldManager: 'flux-fidelity' });
    sides = [fluxSide(await testNamespace('fidelity-flux')), weftSide(await testNamespace('fidelity-weft'))];
    workDir = await mkdtemp(join(tmpdir(), 'weft-flux-fidelity-'));
    const kubeconfigPath = join(workDir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeConfig.exportConfig());
    await Promise.all([installFluxCrds(client, binDir), installGitOpsCrds(kubeConfig)]);
    git = await startGitServer();
    // Flux watches only its side's namespace; dependencies are re-checked every 2 s (Flux's default 30 s), as Weft re-checks at once.
    flux = await startFlux({ binDir, kubeconfigPath, workDir: join(workDir, 'flux'), watchNamespace: sides[0].namespace, requeueDependency: '2s' });
    console.log(`[flux-fidelity] Flux ${fluxVersion(binDir)} ready ${flux.readyAt - flux.spawnedAt} ms after spawn`);
    weftRunning = createGitOpsManager({
      kubeConfig,
      storageDir: join(workDir, 'weft'),
      namespace: sides[1].namespace,
      logger: createLogger({ level: 'silent' }),
      handleSignals: false,
      gracefulShutdownTimeout: '5s',
    }).start({ signal: stopWeft.signal });
  });

  afterAll(async () => {
    stopWeft.abort();
    await weftRunning;
    await flux?.stop();
    // Let the namespaces go: the controllers that would run the finalizers have stopped.
    for (const side of sides ?? []) {
      const left = await client.list(side.kustomizationKind, { namespace: side.namespace }).catch(() => ({ items: [] as KubeObject[] }));
      await Promise.all(left.items.map((item) => client.patch(side.kustomizationKind, item.metadata.name, { metadata: { finalizers: null } }, { namespace: side.namespace }).catch(() => undefined)));
    }
    client?.close();
    await git?.stop();
    if (workDir && !process.env['WEFT_FIDELITY_DEBUG']) await rm(workDir, { recursive: true, force: true });
  });

  const head = async (repo: TestRepo) => `main@sha1:${await repo.git('rev-parse', 'HEAD')}`;

  /** A repository, a GitRepository on each side, and a Kustomization per spec on each side. */
  async function reconcileBoth(repoName: string, files: Record<string, RepoFile>, kustomizations: Record<string, SharedSpec>) {
    const repo = await git.createRepo(repoName, files);
    for (const side of sides) await createGitRepository(client, side, repoName, repo.url);
    for (const [name, spec] of Object.entries(kustomizations)) for (const side of sides) await createKustomization(client, side, name, repoName, spec);
    return repo;
  }

  /** Commits, asks both GitRepositories to fetch, and returns the new revision. */
  async function commit(repo: TestRepo, repoName: string, files: Record<string, RepoFile | null>, message: string): Promise<string> {
    await repo.commit(files, message);
    for (const side of sides) await requestFetch(client, side, repoName);
    return head(repo);
  }

  /** Both sides' snapshots of one Kustomization, asserted equal; returns Flux's. */
  async function compare(name: string): Promise<Snapshot> {
    const [fluxSnapshot, weftSnapshot] = (await Promise.all(sides.map((side) => snapshot(client, side, name)))) as [Snapshot, Snapshot];
    const messages = `Flux's Ready message: ${fluxSnapshot.readyMessage}\nWeft's Ready message: ${weftSnapshot.readyMessage}`;
    const { readyMessage: _flux, ...fluxCompared } = fluxSnapshot;
    const { readyMessage: _weft, ...weftCompared } = weftSnapshot;
    expect(weftCompared, `Weft's ${name} against Flux's\n${messages}`).toEqual(fluxCompared);
    return fluxSnapshot;
  }

  /** A live object of each side, asserted equal (for objects no inventory lists any more); returns Flux's. */
  async function compareLive(kind: { apiVersion: string; kind: string }, name: string): Promise<unknown> {
    const [fluxObject, weftObject] = await Promise.all(sides.map((side) => liveObject(client, side, kind, name)));
    expect(weftObject, `Weft's ${kind.kind} ${name} against Flux's`).toEqual(fluxObject);
    return fluxObject;
  }

  const succeeded = { status: 'True', reason: 'ReconciliationSucceeded' };
  const expectReady = (compared: Snapshot, expected: Snapshot['ready']) => expect(compared.ready, `Ready: ${compared.readyMessage}`).toEqual(expected);

  // First: Flux waits at least 30 s whatever the timeout (see README.md); the other cases run meanwhile.
  it.concurrent('a failing health check: applied, then HealthCheckFailed after the timeout', async () => {
    const repo = await reconcileBoth(
      'health',
      {
        'health/web.yaml': yaml(
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: health-web }',
          'spec:',
          '  replicas: 1',
          '  selector: { matchLabels: { app: health-web } }',
          '  template:',
          '    metadata: { labels: { app: health-web } }',
          '    spec:',
          '      nodeSelector: { weft.dev/no-such-node: "true" }',
          '      containers: [{ name: web, image: nginx:1.27 }]',
        ),
      },
      { health: { path: './health', wait: true, timeout: '5s' } },
    );
    await untilSettled(client, sides, 'health', await head(repo));
    const flux = await compare('health');
    expectReady(flux, { status: 'False', reason: 'HealthCheckFailed' });
    expect(flux.lastAppliedRevision).toBeUndefined();
    expect(flux.inventory).toHaveLength(1);
  });

  it.concurrent('plain kustomize: name prefix, labels, annotations, a generated ConfigMap, an image tag and two kinds of patch; wait: true', async () => {
    const repo = await reconcileBoth(
      'plain',
      {
        'plain/kustomization.yaml': yaml(
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'namePrefix: plain-',
          'labels:',
          '  - pairs: { app.kubernetes.io/part-of: plain }',
          'commonAnnotations: { team: blue }',
          'resources: [deployment.yaml, service.yaml]',
          'configMapGenerator:',
          '  - name: settings',
          '    literals: [LOG_LEVEL=info, MODE=fidelity]',
          'images:',
          '  - name: nginx',
          '    newTag: "1.27.1"',
          'patches:',
          '  - path: replicas.yaml',
          '  - target: { kind: Service, name: web }',
          '    patch: |-',
          '      - op: add',
          '        path: /spec/ports/-',
          '        value: { name: metrics, port: 9090, targetPort: 9090 }',
        ),
        'plain/deployment.yaml': yaml(
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: web }',
          'spec:',
          '  replicas: 1',
          '  selector: { matchLabels: { app: web } }',
          '  template:',
          '    metadata: { labels: { app: web } }',
          '    spec:',
          '      containers:',
          '        - name: web',
          '          image: nginx:1.27',
          '          envFrom: [{ configMapRef: { name: settings } }]',
        ),
        'plain/service.yaml': yaml('apiVersion: v1', 'kind: Service', 'metadata: { name: web }', 'spec:', '  selector: { app: web }', '  ports: [{ name: http, port: 80, targetPort: 8080 }]'),
        'plain/replicas.yaml': yaml('apiVersion: apps/v1', 'kind: Deployment', 'metadata: { name: web }', 'spec: { replicas: 2 }'),
      },
      { plain: { path: './plain', wait: true, timeout: '1m' } },
    );
    await untilSettled(client, sides, 'plain', await head(repo));
    const flux = await compare('plain');
    expectReady(flux, succeeded);
    expect(flux.inventory).toHaveLength(3);
  });

  it.concurrent('a directory without kustomization.yaml: every YAML file below it, a sub-directory with its own kustomization, other files ignored', async () => {
    const repo = await reconcileBoth(
      'raw',
      {
        'raw/configmaps.yaml': `---\n${configMap('raw-one', { n: '1' })}---\n${configMap('raw-two', { n: '2' })}---\n`,
        'raw/nested/secret.yml': yaml('apiVersion: v1', 'kind: Secret', 'metadata: { name: raw-secret }', 'stringData: { token: not-really-secret }'),
        'raw/nested/deeper/account.yaml': yaml('apiVersion: v1', 'kind: ServiceAccount', 'metadata: { name: raw-account }'),
        'raw/with-kustomization/kustomization.yaml': yaml('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'namePrefix: sub-', 'resources: [cm.yaml]'),
        'raw/with-kustomization/cm.yaml': configMap('raw-three', { n: '3' }),
        'raw/README.md': '# not a manifest\n',
        'raw/notes.txt': 'kind: ConfigMap\n',
      },
      { raw: { path: './raw' } },
    );
    await untilSettled(client, sides, 'raw', await head(repo));
    const flux = await compare('raw');
    expectReady(flux, succeeded);
    expect(flux.inventory.map((entry) => entry.id.split('_')[1]).sort()).toEqual(['raw-account', 'raw-one', 'raw-secret', 'raw-two', 'sub-raw-three']);
  });

  it.concurrent('postBuild substitution: inline values, a ConfigMap, a Secret, an optional missing one, defaults, escapes and an object that opts out', async () => {
    for (const side of sides) {
      await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vars', namespace: side.namespace }, data: { cm_value: 'from-configmap', replicas: '2', port: '8080', shared: 'from-configmap' } } as KubeObject);
      await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secret-vars', namespace: side.namespace }, stringData: { secret_value: 'from-secret', shared: 'from-secret' } } as KubeObject);
    }
    const repo = await reconcileBoth(
      'vars',
      {
        'vars/config.yaml': yaml(
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: vars-settings',
          '  labels: { region: "${region}" }',
          'data:',
          '  region: ${region}',
          '  tier: ${tier:=gold}',
          '  from_configmap: ${cm_value}',
          '  from_secret: ${secret_value}',
          '  shared: ${shared}',
          '  escaped: $${not_a_variable}',
        ),
        'vars/deployment.yaml': yaml(
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata:',
          '  name: vars-web',
          '  annotations: { region: "${region}" }',
          'spec:',
          '  replicas: ${replicas}',
          '  selector: { matchLabels: { app: vars-web } }',
          '  template:',
          '    metadata: { labels: { app: vars-web } }',
          '    spec:',
          '      containers:',
          '        - name: web',
          '          image: nginx:1.27',
          '          env: [{ name: REGION, value: "${region}" }, { name: ZONE, value: "${zone:=a}" }]',
        ),
        'vars/verbatim.yaml': configMap('vars-verbatim', { text: '${region}' }, ['  annotations: { kustomize.toolkit.fluxcd.io/substitute: disabled }']),
      },
      {
        vars: {
          path: './vars',
          postBuild: {
            substitute: { region: 'eu-1', shared: 'inline' },
            substituteFrom: [
              { kind: 'ConfigMap', name: 'vars' },
              { kind: 'Secret', name: 'secret-vars' },
              { kind: 'ConfigMap', name: 'no-such-vars', optional: true },
            ],
          },
        },
      },
    );
    const applied = await head(repo);
    await untilSettled(client, sides, 'vars', applied);
    const flux = await compare('vars');
    expectReady(flux, succeeded);
    const settings = await Promise.all(sides.map((side) => client.get(ConfigMapKind, 'vars-settings', { namespace: side.namespace })));
    expect(settings[0]!.data).toMatchObject({ region: 'eu-1', tier: 'gold', from_configmap: 'from-configmap', from_secret: 'from-secret', shared: 'inline' });

    // A variable that is set nowhere and has no default fails the build (Flux's strict substitution, on by default).
    const unset = await commit(repo, 'vars', { 'vars/unset.yaml': configMap('vars-unset', { value: '[${not_set}]' }) }, 'an unset variable');
    await untilSettled(client, sides, 'vars', unset);
    const afterUnset = await compare('vars');
    expectReady(afterUnset, { status: 'False', reason: 'BuildFailed' });
    expect(afterUnset.lastAppliedRevision).toBe(applied);
  });

  it.concurrent('postBuild substitution of a number inside quotes: a number after substitution, as in Flux, but Weft keeps the values of string-only maps strings (listed in the delivery README)', async () => {
    for (const side of sides) await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'number-vars', namespace: side.namespace }, data: { port: '8080' } } as KubeObject);
    const postBuild = { substituteFrom: [{ kind: 'ConfigMap', name: 'number-vars' }] };
    const repo = await reconcileBoth(
      'numbers',
      {
        'env/pod.yaml': yaml('apiVersion: v1', 'kind: Pod', 'metadata: { name: numbers-env }', 'spec:', '  containers: [{ name: web, image: nginx:1.27, env: [{ name: PORT, value: "${port}" }] }]'),
        'data/settings.yaml': yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: numbers-data', '  annotations: { port: "${port}" }', 'data:', '  port: "${port}"'),
      },
      { 'numbers-env': { path: './env', postBuild }, 'numbers-data': { path: './data', postBuild } },
    );
    const revision = await head(repo);
    await untilSettled(client, sides, 'numbers-env', revision);
    await untilSettled(client, sides, 'numbers-data', revision);
    // Outside string-only maps both turn "${port}" into 8080, which the apiserver refuses for an env value.
    expectReady(await compare('numbers-env'), { status: 'False', reason: 'ReconciliationFailed' });
    // In ConfigMap data and annotations Flux does the same (refused); Weft keeps the string "8080" and applies.
    const [fluxData, weftData] = (await Promise.all(sides.map((side) => snapshot(client, side, 'numbers-data')))) as [Snapshot, Snapshot];
    expectReady(fluxData, { status: 'False', reason: 'ReconciliationFailed' });
    expect(fluxData.readyMessage).toMatch(/expected string, got .*8080/);
    expectReady(weftData, succeeded);
    expect(Object.values(weftData.objects)[0]).toMatchObject({ metadata: { annotations: { port: '8080' } }, data: { port: '8080' } });
  });

  it.concurrent('targetNamespace: overrides the kustomization.yaml namespace and explicit ones; RoleBinding subjects follow as kustomize moves them', async () => {
    const repo = await reconcileBoth(
      'target',
      {
        'target/kustomization.yaml': yaml('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'namespace: elsewhere', 'resources: [account.yaml, rbac.yaml, explicit.yaml]'),
        'target/account.yaml': yaml('apiVersion: v1', 'kind: ServiceAccount', 'metadata: { name: target-account }'),
        'target/rbac.yaml': yaml(
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: Role',
          'metadata: { name: target-reader }',
          'rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list] }]',
          '---',
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata: { name: target-reader }',
          'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: target-reader }',
          'subjects:',
          '  - { kind: ServiceAccount, name: target-account, namespace: elsewhere }',
          '  - { kind: ServiceAccount, name: default, namespace: kube-system }',
          '  - { kind: ServiceAccount, name: target-account }',
        ),
        'target/explicit.yaml': yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: target-explicit, namespace: somewhere-else }', 'data: { k: v }'),
      },
      { target: { path: './target' } },
    );
    await untilSettled(client, sides, 'target', await head(repo));
    const flux = await compare('target');
    expectReady(flux, succeeded);
    expect(flux.inventory.every((entry) => entry.id.startsWith('<namespace>_'))).toBe(true);
  });

  it.concurrent('dependsOn: the dependent waits with DependencyNotReady, then both are Ready', async () => {
    const repo = await reconcileBoth(
      'layers',
      { 'infra/settings.yaml': configMap('layers-infra', { tier: 'infra' }), 'apps/settings.yaml': configMap('layers-apps', { tier: 'apps' }) },
      { 'layers-apps': { path: './apps', dependsOn: [{ name: 'layers-infra' }], retryInterval: '2s' } },
    );
    const revision = await head(repo);
    await untilSettled(client, sides, 'layers-apps', revision);
    const waiting = await compare('layers-apps');
    expectReady(waiting, { status: 'False', reason: 'DependencyNotReady' });
    expect(waiting.inventory).toEqual([]);

    for (const side of sides) await createKustomization(client, side, 'layers-infra', 'layers', { path: './infra' });
    await untilSettled(client, sides, 'layers-infra', revision);
    await untilSettled(client, sides, 'layers-apps', revision, { ready: 'True' });
    expectReady(await compare('layers-infra'), succeeded);
    expectReady(await compare('layers-apps'), succeeded);
  });

  it.concurrent('prune: an object whose file is deleted is deleted, one annotated prune: disabled stays', async () => {
    const repo = await reconcileBoth(
      'prune',
      {
        'prune/keep.yaml': configMap('prune-keep', { k: 'v' }),
        'prune/drop.yaml': configMap('prune-drop', { k: 'v' }),
        'prune/stay.yaml': configMap('prune-stay', { k: 'v' }, ['  annotations: { kustomize.toolkit.fluxcd.io/prune: disabled }']),
      },
      { prune: { path: './prune' } },
    );
    await untilSettled(client, sides, 'prune', await head(repo));
    expect((await compare('prune')).inventory).toHaveLength(3);

    const next = await commit(repo, 'prune', { 'prune/drop.yaml': null, 'prune/stay.yaml': null }, 'drop two files');
    await untilSettled(client, sides, 'prune', next);
    const flux = await compare('prune');
    expectReady(flux, succeeded);
    expect(flux.inventory).toHaveLength(1);
    expect(await compareLive(ConfigMapKind, 'prune-drop')).toBe('absent');
    expect(await compareLive(ConfigMapKind, 'prune-stay')).not.toBe('absent');
  });

  it.concurrent('a broken commit: a file that does not parse, then an object the apiserver refuses; the last good revision stays applied', async () => {
    const repo = await reconcileBoth('broken', { 'broken/one.yaml': configMap('broken-one', { v: '1' }), 'broken/two.yaml': configMap('broken-two', { v: '1' }) }, { broken: { path: './broken' } });
    const good = await head(repo);
    await untilSettled(client, sides, 'broken', good);
    await compare('broken');

    const unparsable = await commit(repo, 'broken', { 'broken/one.yaml': configMap('broken-one', { v: '2' }), 'broken/two.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken-two\ndata: {v: "2"\n' }, 'bad yaml');
    await untilSettled(client, sides, 'broken', unparsable);
    const afterBadYaml = await compare('broken');
    expectReady(afterBadYaml, { status: 'False', reason: 'BuildFailed' });
    expect(afterBadYaml.lastAppliedRevision).toBe(good);

    const refused = await commit(repo, 'broken', { 'broken/two.yaml': configMap('Broken_Two', { v: '2' }) }, 'a name the apiserver refuses');
    await untilSettled(client, sides, 'broken', refused);
    const afterRefusal = await compare('broken');
    expectReady(afterRefusal, { status: 'False', reason: 'ReconciliationFailed' });
    expect(afterRefusal.lastAppliedRevision).toBe(good);
  });

  it.concurrent('force: an immutable field changed is recreated with force: true and refused without it', async () => {
    const frozen = (name: string, value: string) => configMap(name, { value }, []).replace('\ndata:', '\nimmutable: true\ndata:');
    const selector = (name: string, app: string) =>
      yaml(
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata: { name: ${name} }`,
        'spec:',
        '  replicas: 1',
        `  selector: { matchLabels: { app: ${app} } }`,
        '  template:',
        `    metadata: { labels: { app: ${app} } }`,
        '    spec: { containers: [{ name: web, image: nginx:1.27 }] }',
      );
    const repo = await reconcileBoth(
      'force',
      {
        'on/frozen.yaml': frozen('force-on-frozen', 'v1'),
        'on/web.yaml': selector('force-on-web', 'web-v1'),
        'off/frozen.yaml': frozen('force-off-frozen', 'v1'),
        'off/web.yaml': selector('force-off-web', 'web-v1'),
      },
      { 'force-on': { path: './on', force: true }, 'force-off': { path: './off' } },
    );
    const first = await head(repo);
    await untilSettled(client, sides, 'force-on', first);
    await untilSettled(client, sides, 'force-off', first);
    expectReady(await compare('force-on'), succeeded);
    expectReady(await compare('force-off'), succeeded);

    const changed = await commit(
      repo,
      'force',
      {
        'on/frozen.yaml': frozen('force-on-frozen', 'v2'),
        'on/web.yaml': selector('force-on-web', 'web-v2'),
        'off/frozen.yaml': frozen('force-off-frozen', 'v2'),
        'off/web.yaml': selector('force-off-web', 'web-v2'),
      },
      'change immutable fields',
    );
    await untilSettled(client, sides, 'force-on', changed);
    await untilSettled(client, sides, 'force-off', changed);
    expectReady(await compare('force-on'), succeeded);
    expectReady(await compare('force-off'), { status: 'False', reason: 'ReconciliationFailed' });
    const recreated = await Promise.all(sides.map((side) => client.get(ConfigMapKind, 'force-on-frozen', { namespace: side.namespace })));
    expect(recreated.map((object) => object.data?.['value'])).toEqual(['v2', 'v2']);
    const refused = await Promise.all(sides.map((side) => client.get(DeploymentKind, 'force-off-web', { namespace: side.namespace })));
    expect(refused.map((object) => (object.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['app'])).toEqual(['web-v1', 'web-v1']);
  });
});
