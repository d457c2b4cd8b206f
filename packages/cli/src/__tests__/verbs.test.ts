import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMapKind, KubeClient, NamespaceKind, createLogger, installCRDs } from '@weft/reconcile-core';
import { CanaryKind } from '@weft/progressive';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { type Kustomization, KustomizationKind, createGitOpsManager, installGitOpsCrds, readyCondition } from '@weft/delivery';
import { type GitServer, type InMemoryApiServer, type TestRepo, eventually, startApiServer, startGitServer } from '@weft/testkit';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWeft } from '../main.js';
import { weft } from './weft.js';

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;
const escapeCodes = /\x1b\[/;

/** Every verb of `weft` in process, against the in-memory API server with the GitOps operator running. */
describe('weft against the in-memory API server', () => {
  let api: InMemoryApiServer;
  let git: GitServer;
  let repo: TestRepo;
  let client: KubeClient;
  let scratch: string;
  let env: Record<string, string>;
  const stop = new AbortController();
  let running: Promise<void>;
  const ns = 'weft-system';
  const run = (...args: string[]) => weft(args, { env });

  beforeAll(async () => {
    api = await startApiServer();
    git = await startGitServer();
    client = new KubeClient(api.kubeConfig);
    scratch = await mkdtemp(join(tmpdir(), 'weft-cli-'));
    env = { KUBECONFIG: api.kubeconfigPath, HOME: scratch };
    await installGitOpsCrds(api.kubeConfig, {});
    await installCRDs(client, [CanaryKind]);
    for (const name of [ns, 'production']) await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { kind: NamespaceKind });
    running = createGitOpsManager({ kubeConfig: api.kubeConfig, storageDir: join(scratch, 'storage'), logger: createLogger({ level: 'silent' }), handleSignals: false, gracefulShutdownTimeout: '2s' }).start({ signal: stop.signal });
    repo = await git.createRepo('shop', { 'production/web.yaml': configMap('web', { mode: 'fast' }), 'production/extra.yaml': configMap('extra', { a: '1' }) });
    await client.create({ apiVersion: GitRepositoryKind.apiVersion, kind: 'GitRepository', metadata: { name: 'shop', namespace: ns }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } } as GitRepository);
    await client.create({ apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', metadata: { name: 'production', namespace: ns }, spec: { sourceRef: { kind: 'GitRepository', name: 'shop' }, path: './production', targetNamespace: 'production', interval: '1h', prune: true } } as Kustomization);
    await eventually('Kustomization production Ready', async () => readyCondition(await client.get(KustomizationKind, 'production', { namespace: ns }))?.status === 'True', { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    stop.abort();
    await running;
    client?.close();
    await git?.stop();
    await api?.[Symbol.asyncDispose]();
    await rm(scratch, { recursive: true, force: true });
  });

  it('get: Flux\'s columns, no colour off a terminal, one kind, all kinds, -A, one name, JSON and YAML', async () => {
    const head = await repo.git('rev-parse', 'HEAD');
    const table = await run('get', 'kustomizations', '-n', ns);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{3,}/)).toEqual(['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']);
    expect(row!.split(/\s{3,}/)).toEqual(['production', `main@sha1:${head}`, 'False', 'True', `Applied revision: main@sha1:${head}`, expect.stringMatching(/^\d+s$/)]);
    expect(table.stdout).not.toMatch(escapeCodes);

    const everywhere = await run('get', 'ks', '-A');
    expect(everywhere.stdout.split('\n')[0]!.split(/\s{3,}/)).toEqual(['NAMESPACE', 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']);
    const flux = await run('get', 'sources', 'git', '-n', ns);
    expect(flux.stdout).toMatch(new RegExp(`^NAME\\s+REVISION\\s+SUSPENDED\\s+READY\\s+MESSAGE\\s+AGE\\nshop\\s+main@sha1:${head}\\s+False\\s+True\\s+`));
    const all = await run('get', 'all', '-n', ns);
    expect(all.stdout).toMatch(/^NAME\s+REVISION.*\ngitrepository\/shop\s+main@sha1:/);
    expect(all.stdout).toMatch(/\n\nNAME\s+REVISION.*\nkustomization\/production\s+main@sha1:/);

    const json = JSON.parse((await run('get', 'kustomization', 'production', '-n', ns, '-o', 'json')).stdout);
    expect(json).toMatchObject({ kind: 'Kustomization', metadata: { name: 'production' }, status: { lastAppliedRevision: `main@sha1:${head}` } });
    expect(json.metadata.managedFields).toBeUndefined();
    expect((await run('get', 'ks', '-n', ns, '-o', 'yaml')).stdout).toMatch(/^apiVersion: v1\nkind: List\nitems:\n  - apiVersion: kustomize.weft.dev\/v1/);
    expect(await run('get', 'canaries', '-n', ns)).toEqual({ code: 0, stdout: '', stderr: `No Canary objects found in namespace ${ns}.\n` });
    expect(await run('get', 'metrictemplates', '-n', ns)).toEqual({ code: 1, stdout: '', stderr: '✗ the cluster does not serve metrictemplates.progressive.weft.dev: its CRD is not installed (install the CRD of @weft/progressive)\n' });
  });

  it('mistakes are one line saying what to do, with exit code 2 for a command line that does not parse', async () => {
    expect(await run('get', 'widgets')).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^✗ unknown kind "widgets": Weft's kinds are gitrepositories \(gitrepository, gitrepo\), kustomizations \(kustomization, ks\), imagerepositories \(imagerepository, imgrepo, imagerepo\), imagepolicies \(imagepolicy, imgpol, imagepol\), imageupdateautomations \(imageupdateautomation, iua, imgupd\), canaries \(canary\), metrictemplates \(metrictemplate\)\n$/) });
    expect(await run('get', 'ks', '--colour')).toMatchObject({ code: 2, stderr: "✗ unknown flag --colour for weft get (weft get --help lists its flags)\n" });
    expect(await run('gte', 'ks')).toMatchObject({ code: 2, stderr: '✗ unknown verb "gte" (did you mean get?): run weft --help for the verbs\n' });
    expect(await run('get', 'ks', '-o', 'wide')).toMatchObject({ code: 2, stderr: '✗ --output must be one of table, json, yaml, not "wide"\n' });
    expect(await run('reconcile', 'ks')).toMatchObject({ code: 2, stderr: '✗ the name of the Kustomization is required: weft reconcile <kind> <name> [--with-source] [--timeout 5m]\n' });
    const missing = await run('get', 'ks', 'nope', '-n', ns);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^✗ .*Kustomization.*nope.*not found.*\n$/i);
    expect(missing.stderr.split('\n')).toHaveLength(2);
  });

  it('a wrong kubeconfig or context is named', async () => {
    const noFile = await weft(['get', 'ks', '--kubeconfig', join(scratch, 'missing.yaml')], { env });
    expect(noFile).toMatchObject({ code: 1, stderr: `✗ kubeconfig ${join(scratch, 'missing.yaml')} does not exist (--kubeconfig): point --kubeconfig or KUBECONFIG at your cluster's kubeconfig\n` });
    const noContext = await run('get', 'ks', '--context', 'prod-eu');
    expect(noContext).toMatchObject({ code: 1, stderr: `✗ context "prod-eu" is not in kubeconfig ${api.kubeconfigPath} (--context): known contexts are weft-in-memory\n` });
    const dead = join(scratch, 'dead.yaml');
    await writeFile(dead, 'apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: { server: "http://127.0.0.1:9" }\nusers:\n- name: me\n  user: {}\ncontexts:\n- name: gone\n  context: { cluster: gone, user: me }\ncurrent-context: gone\n');
    const unreachable = await weft(['get', 'ks', '--kubeconfig', dead], { env });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^✗ cannot reach the cluster \(context "gone", server http:\/\/127\.0\.0\.1:9\): .*ECONNREFUSED.*Is the context right \(--context, --kubeconfig\)\?\n$/);
    expect(await weft(['get', 'ks'], { env: { HOME: scratch } })).toMatchObject({ code: 1, stderr: '✗ no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config\n' });
  });

  it('reconcile --with-source: the GitRepository fetches the new commit, then the Kustomization applies it; plain progress lines off a terminal', async () => {
    const head = await repo.commit({ 'production/web.yaml': configMap('web', { mode: 'slow' }) }, 'slow');
    const result = await run('reconcile', 'kustomization', 'production', '-n', ns, '--with-source', '--timeout', '30s');
    expect(result.stderr).not.toMatch(escapeCodes);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`► annotating GitRepository shop in ${ns} namespace`);
    expect(lines).toContain(`✔ fetched revision main@sha1:${head}`);
    expect(lines).toContain(`► annotating Kustomization production in ${ns} namespace`);
    expect(lines).toContain('◎ waiting for Kustomization reconciliation');
    expect(lines.at(-1)).toBe(`✔ applied revision main@sha1:${head}`);
    expect((await client.get(ConfigMapKind, 'web', { namespace: 'production' })).data).toEqual({ mode: 'slow' });
    const kustomization = await client.get(KustomizationKind, 'production', { namespace: ns });
    expect(kustomization.metadata.annotations).toMatchObject({ 'reconcile.weft.dev/requestedAt': expect.any(String), 'reconcile.fluxcd.io/requestedAt': expect.any(String) });
  });

  it('suspend and resume (one, and --all): a suspended Kustomization refuses reconcile with exit 1', async () => {
    expect(await run('suspend', 'ks', 'production', '-n', ns)).toEqual({ code: 0, stdout: '', stderr: `► suspending Kustomization production in ${ns} namespace\n✔ Kustomization suspended\n` });
    expect((await run('get', 'ks', '-n', ns)).stdout.split('\n')[1]!.split(/\s{3,}/)[2]).toBe('True');
    expect(await run('reconcile', 'ks', 'production', '-n', ns)).toMatchObject({ code: 1, stderr: `► annotating Kustomization production in ${ns} namespace\n✗ Kustomization/${ns}/production is suspended: resume it to reconcile it\n` });
    const resumed = await run('resume', 'ks', '--all', '-n', ns, '--timeout', '30s');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`^► resuming Kustomization production in ${ns} namespace\\n✔ Kustomization resumed\\n◎ waiting for Kustomization reconciliation\\n(◎ .*\\n)*✔ Kustomization reconciliation completed\\n✔ applied revision main@sha1:\\w+\\n$`));
    expect(await run('reconcile', 'canary', 'checkout', '-n', ns)).toEqual({ code: 1, stdout: '', stderr: '✗ Canary does not take reconcile requests (its status has no lastHandledReconcileAt): its controller advances it every spec.analysis.interval\n' });
    expect(await run('suspend', 'metrictemplate', 'x', '-n', ns)).toMatchObject({ code: 1, stderr: `► suspending MetricTemplate x in ${ns} namespace\n✗ MetricTemplate cannot be suspended (its spec has no suspend field)\n` });
  });

  it('tree: the inventory with health, as flux tree draws it', async () => {
    const tree = await run('tree', 'ks', 'production', '-n', ns);
    expect(tree).toEqual({ code: 0, stderr: '', stdout: `Kustomization/${ns}/production  [healthy]\n├── ConfigMap/production/extra  [healthy]\n└── ConfigMap/production/web  [healthy]\n` });
  });

  it('trace: Kustomization, GitRepository, revision, commit and drift', async () => {
    const head = await repo.git('rev-parse', 'HEAD');
    const trace = await run('trace', 'configmap', 'web', '-n', 'production');
    expect(trace.code).toBe(0);
    expect(trace.stdout).toMatch(new RegExp(`^Object:          ConfigMap/web\\nNamespace:       production\\nStatus:          Managed by Weft\\nHealth:          healthy\\n---\\nKustomization:   production\\nNamespace:       ${ns}\\nTarget:          production\\nPath:            ./production\\nRevision:        main@sha1:${head}\\nCommit:          ${head}\\nStatus:          Last reconciled at \\S+\\nMessage:         Applied revision: main@sha1:${head}\\n---\\nGitRepository:   shop\\nNamespace:       ${ns}\\nURL:             ${repo.url.replace(/[.]/g, '\\.')}\\nBranch:          main\\nRevision:        main@sha1:${head}\\nStatus:          Last reconciled at \\S+\\nMessage:         .*\\n---\\nDrift:           none: matches main@sha1:${head}\\n$`));
    expect(await run('trace', 'configmap/kube-root-ca.crt', '-n', 'production')).toMatchObject({ code: 1 });
    expect(await run('trace', 'gizmo', 'x')).toMatchObject({ code: 1, stderr: '✗ the cluster serves no kind "gizmo": name it as kubectl does (deployment, configmap, deployments.apps), or pass --api-version\n' });
  });

  it('build and diff a local directory: postBuild substitution, ownership labels; diff exits 1 with changes, 0 without, 2 on an error', async () => {
    const local = join(scratch, 'checkout', 'production');
    await mkdir(local, { recursive: true });
    await writeFile(join(scratch, 'checkout', 'production', 'web.yaml'), configMap('web', { mode: '${mode:=slow}' }));
    await writeFile(join(scratch, 'checkout', 'production', 'extra.yaml'), configMap('extra', { a: '1' }));
    await client.patch(KustomizationKind, 'production', { spec: { postBuild: { substitute: { mode: 'slow' } } } }, { namespace: ns });
    const built = await weft(['build', 'kustomization', 'production', '-n', ns, '--path', 'checkout/production'], { env, cwd: scratch });
    expect(built).toMatchObject({ code: 0, stderr: '' });
    expect(built.stdout).toContain('  name: web\n  namespace: production\n');
    expect(built.stdout).toContain('weft.dev/name: production');
    expect(built.stdout).toContain('mode: slow');

    const same = await weft(['diff', 'ks', 'production', '-n', ns, '--path', local], { env });
    expect(same).toMatchObject({ code: 0, stdout: '' });
    await writeFile(join(local, 'web.yaml'), configMap('web', { mode: 'fast' }));
    await writeFile(join(local, 'new.yaml'), configMap('new', { b: '2' }));
    await rm(join(local, 'extra.yaml'));
    await writeFile(join(local, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: hunter2\n');
    const changed = await weft(['diff', 'ks', 'production', '-n', ns, '--path', local], { env });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^► ConfigMap\/production\/new created\n► ConfigMap\/production\/web drifted\n[\s\S]*\n-  mode: slow\n\+  mode: fast\n[\s\S]*\n► Secret\/production\/token created\n► ConfigMap\/production\/extra deleted\n$/);
    expect(changed.stdout).not.toContain('hunter2');
    expect(changed.stdout).not.toMatch(escapeCodes);
    await writeFile(join(local, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n');
    const broken = await weft(['diff', 'ks', 'production', '-n', ns, '--path', local], { env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/✗ .*broken\.yaml/);
    expect(await weft(['diff', 'ks', 'production', '-n', ns], { env })).toMatchObject({ code: 2, stderr: expect.stringContaining('--path is required') });
  });

  it('events: the Kustomization\'s and its GitRepository\'s', async () => {
    const events = await run('events', '--for', 'Kustomization/production', '-n', ns);
    expect(events.code).toBe(0);
    const lines = events.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s{3,}/)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(lines.some((line) => /Normal\s+ReconciliationSucceeded\s+Kustomization\/production\s+Reconciliation finished/.test(line))).toBe(true);
    expect(lines.some((line) => /GitRepository\/shop/.test(line))).toBe(true);
    expect(lines.some((line) => /Kustomization\/other/.test(line))).toBe(false);

    // --watch: the table, then each new Event about the object as one more line, until Ctrl-C.
    const stop = new AbortController();
    let output = '';
    const watching = runWeft(['events', '--for', 'Kustomization/production', '-n', ns, '--watch'], { env, cwd: scratch, signal: stop.signal, stdout: { write: (text: string) => (output += text) }, stderr: { write: () => true } });
    await eventually('the first table', async () => output.includes('ReconciliationSucceeded'), { timeoutMs: 10_000 });
    const event = (name: string, about: string, reason: string) => ({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name, namespace: ns }, eventTime: new Date().toISOString().replace('Z', '000Z'), reportingController: 'weft.dev/test', reportingInstance: 'test', action: 'Test', reason, note: `${reason} noted`, type: 'Warning', regarding: { apiVersion: KustomizationKind.apiVersion, kind: 'Kustomization', name: about, namespace: ns } });
    await client.create(event('other-event', 'other', 'NotThisOne'));
    await client.create(event('production-event', 'production', 'HealthCheckFailed'));
    await eventually('the new Event', async () => output.includes('HealthCheckFailed'), { timeoutMs: 10_000 });
    stop.abort();
    expect(await watching).toBe(0);
    // The operator's own Events may come and go meanwhile; the new one is a line of its own.
    expect(output.trimEnd().split('\n').filter((line) => line.includes('HealthCheckFailed'))).toEqual([expect.stringMatching(/^\d+s\s+Warning\s+HealthCheckFailed\s+Kustomization\/production\s+HealthCheckFailed noted$/)]);
    expect(output).not.toContain('NotThisOne');
  });

  it('install --export, --dry-run and --no-wait; uninstall --dry-run, refused without --silent off a terminal', async () => {
    const exported = await run('install', '--export');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('kind: CustomResourceDefinition');
    expect(exported.stdout).toMatch(/kind: Deployment\nmetadata:\n  labels:\n[\s\S]*name: weft-gitops-operator\n  namespace: weft-system/);
    const other = await run('install', '--export', '-n', 'gitops', '--image', 'example.com/operator:1');
    expect(other.stdout).toContain('namespace: gitops');
    expect(other.stdout).toContain('image: example.com/operator:1');
    expect(other.stdout).not.toContain('namespace: weft-system');

    const dryRun = await run('install', '--dry-run');
    expect(dryRun.code).toBe(0);
    // The CRDs exist (installGitOpsCrds) without the deploy set's part-of label.
    expect(dryRun.stdout).toContain('► CustomResourceDefinition/kustomizations.kustomize.weft.dev configured (dry run)');
    expect(dryRun.stdout).toContain('► Deployment/weft-system/weft-gitops-operator created (dry run)');
    await expect(client.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'weft-gitops-operator', { namespace: 'weft-system' })).rejects.toThrow(/not found/i);

    const installed = await run('install', '--no-wait');
    expect(installed.code).toBe(0);
    expect(installed.stderr).toContain('✔ Deployment/weft-system/weft-gitops-operator created');
    expect((await client.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'weft-gitops-operator', { namespace: 'weft-system' })).metadata.managedFields?.map((entry) => entry.manager)).toContain('weft');

    const plan = await run('uninstall', '--dry-run');
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain('✔ Deployment/weft-system/weft-gitops-operator deleted (dry run)');
    expect(plan.stderr).toContain('✔ CustomResourceDefinition/kustomizations.kustomize.weft.dev deleted (dry run)');
    expect(plan.stderr).toContain(`✔ finalizers removed from Kustomization/${ns}/production (dry run)`);
    await client.get({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'weft-gitops-operator', { namespace: 'weft-system' });
    expect(await run('uninstall')).toMatchObject({ code: 2, stderr: '✗ weft uninstall deletes the operator, its CRDs and every Weft object in them; pass --silent to confirm (there is no terminal to ask on)\n' });
  });

  it("install --components-extra (Flux's flag): the components' CRDs, RBAC and --controllers in the export and the cluster; uninstall removes them too", async () => {
    type Exported = { kind: string; metadata: { name: string; namespace?: string }; subjects?: { namespace: string }[]; spec?: { template: { spec: { containers: { args: string[] }[] } } } };
    const exported = async (...args: string[]) => {
      const result = await run('install', '--export', ...args);
      expect(result.code, result.stderr).toBe(0);
      return parseAllDocuments(result.stdout).map((document) => document.toJS() as Exported);
    };
    const names = (objects: Exported[]) => objects.map((object) => `${object.kind}/${object.metadata.name}`);
    const argsOf = (objects: Exported[]) => objects.find((object) => object.kind === 'Deployment')!.spec!.template.spec.containers[0]!.args;
    const base = await exported();
    expect(names(base)).not.toContain('CustomResourceDefinition/imagepolicies.image.weft.dev');
    expect(argsOf(base).filter((arg) => arg.startsWith('--controllers'))).toEqual(['--controllers=source,kustomize']);
    const both = await exported('--components-extra', 'image-automation,progressive', '-n', 'gitops');
    expect(names(both).filter((name) => !names(base).includes(name) && name !== 'Namespace/gitops').sort()).toEqual([
      'ClusterRole/weft-gitops-operator-image-automation',
      'ClusterRole/weft-gitops-operator-progressive',
      'ClusterRoleBinding/weft-gitops-operator-image-automation',
      'ClusterRoleBinding/weft-gitops-operator-progressive',
      'CustomResourceDefinition/canaries.progressive.weft.dev',
      'CustomResourceDefinition/imagepolicies.image.weft.dev',
      'CustomResourceDefinition/imagerepositories.image.weft.dev',
      'CustomResourceDefinition/imageupdateautomations.image.weft.dev',
      'CustomResourceDefinition/metrictemplates.progressive.weft.dev',
    ]);
    expect(argsOf(both).filter((arg) => arg.startsWith('--controllers'))).toEqual(['--controllers=source,kustomize', '--controllers=image', '--controllers=progressive']);
    // The components' bindings follow the operator's ServiceAccount into -n's namespace, as the base's do.
    for (const binding of both.filter((object) => object.kind === 'ClusterRoleBinding')) expect(binding.subjects, binding.metadata.name).toEqual([expect.objectContaining({ namespace: 'gitops' })]);
    // Namespace and CRDs first, as applySet orders them, whatever the components add.
    expect(names(both).slice(0, 8).every((name) => name.startsWith('Namespace/') || name.startsWith('CustomResourceDefinition/'))).toBe(true);
    expect(names(await exported('--components-extra', 'progressive'))).not.toContain('CustomResourceDefinition/imagepolicies.image.weft.dev');
    expect(await run('install', '--export', '--components-extra', 'image-automation,helm')).toEqual({
      code: 2,
      stdout: '',
      stderr: '✗ --components-extra must be a comma-separated list of image-automation, progressive, not "helm"\n',
    });

    // The guides' `weft install` lines parse and export (never applied: --export touches nothing).
    const guides = ['cli.md', 'running-in-a-cluster.md'].map((guide) => readFileSync(new URL(`../../../../docs/${guide}`, import.meta.url), 'utf8'));
    const lines = guides.flatMap((text) => [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((block) => block[1]!.split('\n'))).filter((line) => line.startsWith('weft install '));
    expect(lines.filter((line) => line.includes('--components-extra')).length).toBeGreaterThanOrEqual(4);
    for (const line of lines) {
      const args = line.replace(/\s*(>|#).*$/, '').split(/\s+/).slice(1);
      const result = await run(...args, ...(args.includes('--export') ? [] : ['--export']));
      expect(result.code, `${line}: ${result.stderr}`).toBe(0);
    }

    const installed = await run('install', '--no-wait', '--components-extra', 'image-automation');
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).toContain('✔ CustomResourceDefinition/imagepolicies.image.weft.dev created');
    expect(installed.stderr).toContain('✔ ClusterRole/weft-gitops-operator-image-automation created');
    expect(installed.stderr).toMatch(/✔ Deployment\/weft-system\/weft-gitops-operator (created|configured)\n/);
    const plan = await run('uninstall', '--dry-run');
    expect(plan.stderr).toContain('✔ CustomResourceDefinition/imagepolicies.image.weft.dev deleted (dry run)');
    expect(plan.stderr).toContain('✔ ClusterRole/weft-gitops-operator-image-automation deleted (dry run)');
    // Canaries' CRD is served (installed by this suite), its component's RBAC is not: only what exists is listed.
    expect(plan.stderr).toContain('✔ CustomResourceDefinition/canaries.progressive.weft.dev deleted (dry run)');
    expect(plan.stderr).not.toContain('ClusterRole/weft-gitops-operator-progressive');
    expect((await run('__complete', 'install', '--components-extra', '')).stdout).toBe('image-automation\nprogressive\n');
  });

  it('--help on every verb shows its usage, examples and flags; completion scripts and candidates', async () => {
    const main = await run('--help');
    expect(main.code).toBe(0);
    for (const verb of ['get', 'reconcile', 'suspend', 'resume', 'build', 'diff', 'tree', 'trace', 'events', 'install', 'uninstall', 'completion', 'version']) {
      expect(main.stdout).toMatch(new RegExp(`\\n  ${verb}\\s`));
      const help = await run(verb, '--help');
      expect(help.code, verb).toBe(0);
      expect(help.stdout, verb).toMatch(/^.+\.\n\nUsage:\n  weft \S+[\s\S]*\nExamples:\n  \S[\s\S]*\nFlags:\n/);
    }
    expect((await run('completion', 'bash')).stdout).toContain('complete -o default -F _weft weft');
    expect((await run('completion', 'zsh')).stdout).toContain('#compdef weft');
    expect((await run('completion', 'fish')).stdout).toContain("complete -c weft -f -a '(__weft_complete)'");
    expect(await run('completion', 'tcsh')).toMatchObject({ code: 2 });
    expect((await run('__complete', 're')).stdout).toBe('reconcile\nresume\n');
    expect((await run('__complete', 'get', 'k')).stdout).toBe('kustomization\nkustomizations\nks\n');
    expect((await run('__complete', 'reconcile', 'ks', '-n', ns, '')).stdout).toBe('production\n');
    expect((await run('__complete', 'get', 'ks', '-n', '')).stdout.split('\n')).toEqual(expect.arrayContaining([ns, 'production', 'default']));
    expect((await run('__complete', 'get', '-o', '')).stdout).toBe('table\njson\nyaml\n');
    expect((await run('__complete', 'get', '--con')).stdout).toBe('--context\n');
    expect((await run('__complete', 'get', '--context', '')).stdout).toBe('weft-in-memory\n');
  });

  it('uninstall --silent: the operator, then the finalizers, then the CRDs and the namespace go; what was applied stays', async () => {
    // The operator runs in this process, not as the Deployment uninstall deletes: stop it as that deletion would.
    stop.abort();
    await running;
    expect((await client.get(KustomizationKind, 'production', { namespace: ns })).metadata.finalizers?.length).toBeGreaterThan(0);
    const removed = await run('uninstall', '--silent');
    expect(removed.code, removed.stderr).toBe(0);
    const lines = removed.stderr.trimEnd().split('\n');
    const at = (text: string) => lines.findIndex((line) => line.includes(text));
    expect(at('Deployment/weft-system/weft-gitops-operator deleted')).toBeGreaterThanOrEqual(0);
    expect(at('Deployment/weft-system/weft-gitops-operator deleted')).toBeLessThan(at(`finalizers removed from Kustomization/${ns}/production`));
    expect(at(`finalizers removed from Kustomization/${ns}/production`)).toBeLessThan(at('CustomResourceDefinition/kustomizations.kustomize.weft.dev deleted'));
    expect(lines.at(-1)).toBe('✔ uninstall finished');
    await eventually('the Kustomization CRD gone', async () => (await run('get', 'ks', '-A')).stderr.includes('does not serve kustomizations'), { timeoutMs: 20_000 });
    expect((await client.get(ConfigMapKind, 'web', { namespace: 'production' })).data).toBeDefined();
  });
});
