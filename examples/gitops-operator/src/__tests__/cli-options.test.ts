import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions, shardLeaseName } from '../cli-options.js';

describe('the command line', () => {
  it('reads the flags the Deployment passes, the Lease namespace from POD_NAMESPACE', () => {
    expect(parseCliOptions(['--storage-dir=/data', '--metrics-port=8080', '--health-port=9440', '--leader-elect', '--no-install-crds'], { POD_NAMESPACE: 'weft-system' })).toEqual({
      help: false,
      controllers: ['source', 'kustomize'],
      inMemory: false,
      driftWatch: true,
      installCrds: false,
      logLevel: 'info',
      storageDir: '/data',
      metricsPort: 8080,
      healthPort: 9440,
      leaderElection: { name: 'weft-gitops-operator', namespace: 'weft-system' },
    });
    expect(parseCliOptions(['--in-memory', '--concurrent', '16', '--no-drift-watch', '--namespace', 'apps'], {})).toMatchObject({ inMemory: true, concurrency: 16, driftWatch: false, namespace: 'apps', installCrds: true });
    expect(parseCliOptions(['--leader-elect', '--leader-elect-namespace', 'ops'], { POD_NAMESPACE: 'x' }).leaderElection).toEqual({ name: 'weft-gitops-operator', namespace: 'ops' });
  });

  it("elects a leader by default, as Flux's Deployments do; --no-leader-elect turns it off; the timings are settable", () => {
    expect(parseCliOptions([], {}).leaderElection).toEqual({ name: 'weft-gitops-operator', namespace: 'default' });
    expect(parseCliOptions(['--no-leader-elect'], {}).leaderElection).toBeUndefined();
    expect(
      parseCliOptions(['--leader-election-lease-duration=35s', '--leader-election-renew-deadline', '30s', '--leader-election-retry-period', '500ms', '--leader-election-id', 'ops-lease'], { POD_NAMESPACE: 'weft-system' }).leaderElection,
    ).toEqual({ name: 'ops-lease', namespace: 'weft-system', leaseDuration: '35s', renewDeadline: '30s', retryPeriod: '500ms' });
  });

  it("takes Flux's sharding: a shard key (or several), or the main instance; each with a Lease of its own", () => {
    const one = parseCliOptions(['--shard-key', 'shard1'], {});
    expect(one.shard).toBe('shard1');
    const several = parseCliOptions(['--shard-key', 'shard1', '--shard-key', 'shard2'], {});
    expect(several.shard).toEqual({ keys: ['shard1', 'shard2'] });
    const main = parseCliOptions(['--shard-main'], {});
    expect(main.shard).toEqual({ main: true });
    expect(parseCliOptions([], {}).shard).toBeUndefined();
    // Flux's leaderelection.GenerateID: the base, '-', the first 8 hex digits of sha256(selector).
    expect(one.leaderElection?.name).toBe('weft-gitops-operator-' + createHash('sha256').update('sharding.fluxcd.io/key in (shard1)').digest('hex').slice(0, 8));
    expect(main.leaderElection?.name).toBe(shardLeaseName('weft-gitops-operator', '!sharding.fluxcd.io/key'));
    const names = new Set([one, several, main, parseCliOptions([], {})].map((options) => options.leaderElection?.name));
    expect(names.size).toBe(4);
    expect(parseCliOptions(['--shard-key', 'shard1', '--leader-election-id', 'mine'], {}).leaderElection?.name).toBe('mine');
  });

  it("gives main.ts what the README's snippet shows, with deploy/'s flags in deploy/'s namespace", () => {
    const deploy = new URL('../../deploy/', import.meta.url);
    const namespace = (parseAllDocuments(readFileSync(new URL('kustomization.yaml', deploy), 'utf8'))[0]!.toJS() as { namespace: string }).namespace;
    const deployment = parseAllDocuments(readFileSync(new URL('deployment.yaml', deploy), 'utf8'))
      .map((document) => document.toJS() as { kind: string; spec?: { template: { spec: { containers: { args: string[] }[] } } } })
      .find((object) => object.kind === 'Deployment')!;
    const options = parseCliOptions(deployment.spec!.template.spec.containers[0]!.args, { POD_NAMESPACE: namespace });
    expect(options).toMatchObject({ storageDir: '/data', metricsPort: 8080, healthPort: 9440, leaderElection: { name: 'weft-gitops-operator', namespace: 'weft-system' } });
    expect(options.shard).toBeUndefined();
  });

  it('refuses what does not parse, naming the flag', () => {
    expect(() => parseCliOptions(['--shard-key', 'shard1', '--shard-main'])).toThrow(/--shard-key and --shard-main exclude each other/);
    expect(() => parseCliOptions(['--shard-key', 'not a label value'])).toThrow(/--shard-key: shard key "not a label value" is not a valid label value/);
    expect(() => parseCliOptions(['--leader-election-retry-period', 'soon'])).toThrow(/--leader-election-retry-period: /);
    expect(() => parseCliOptions(['--leader-elect', '--no-leader-elect'])).toThrow(/exclude each other/);
    expect(() => parseCliOptions(['--metrics-port', 'eighty'])).toThrow(new CliUsageError("--metrics-port: 'eighty' is not a port number"));
    expect(() => parseCliOptions(['--health-port', '70000'])).toThrow(/--health-port: '70000'/);
    expect(() => parseCliOptions(['--concurrent', '0'])).toThrow(/--concurrent: '0' is not a positive integer/);
    expect(() => parseCliOptions(['--in-memory', '--kubeconfig', '/k'])).toThrow(/exclude each other/);
    expect(() => parseCliOptions(['--no-such-flag'])).toThrow(CliUsageError);
  });

  it("selects the controllers as Flux's components: source and kustomize by default, image and progressive added by name; the lists of a repeated flag add up", () => {
    expect(parseCliOptions([], {}).controllers).toEqual(['source', 'kustomize']);
    expect(parseCliOptions(['--controllers=source,kustomize,image,progressive'], {}).controllers).toEqual(['source', 'kustomize', 'image', 'progressive']);
    // As deploy/ and its components pass them: the base's list, then one flag per component, in any order.
    expect(parseCliOptions(['--controllers=source,kustomize', '--controllers=progressive', '--controllers', 'image'], {}).controllers).toEqual(['source', 'kustomize', 'image', 'progressive']);
    expect(parseCliOptions(['--controllers', 'progressive, source ,kustomize,progressive'], {}).controllers).toEqual(['source', 'kustomize', 'progressive']);
    expect(() => parseCliOptions(['--controllers=source,kustomize,helm'], {})).toThrow(new CliUsageError("--controllers: unknown controller 'helm' (known: source, kustomize, image, progressive)"));
    expect(() => parseCliOptions(['--controllers=image'], {})).toThrow(/--controllers: source and kustomize must be selected too/);
    expect(() => parseCliOptions(['--controllers=source,image'], {})).toThrow(/--controllers: kustomize must be selected too/);
    expect(() => parseCliOptions(['--controllers='], {})).toThrow(/unknown controller ''/);
  });

  it("takes Flagger's flags for the Canary controller, only when it runs", () => {
    const all = ['--controllers=source,kustomize,progressive'];
    expect(parseCliOptions(all, {}).canary).toBeUndefined();
    expect(parseCliOptions([...all, '--mesh-provider', 'gatewayapi:v1', '--metrics-server', 'http://prometheus.monitoring:9090', '--canary-min-interval', '1s'], {}).canary).toEqual({
      meshProvider: 'gatewayapi:v1',
      metricsServer: 'http://prometheus.monitoring:9090',
      minInterval: '1s',
    });
    expect(() => parseCliOptions(['--mesh-provider', 'nginx'], {})).toThrow(new CliUsageError('--mesh-provider is a flag of the Canary controller: add progressive to --controllers'));
    expect(() => parseCliOptions([...all, '--mesh-provider', 'istio'], {})).toThrow(/--mesh-provider: 'istio' is not one of kubernetes, gatewayapi:v1, nginx/);
    expect(() => parseCliOptions([...all, '--metrics-server', 'prometheus:9090'], {})).toThrow(/--metrics-server: 'prometheus:9090' is not an http\(s\) URL/);
    expect(() => parseCliOptions([...all, '--canary-min-interval', 'often'], {})).toThrow(/--canary-min-interval: /);
  });
});
