import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions } from '../cli-options.js';

describe('the command line', () => {
  it('reads the flags the Deployment passes, the Lease namespace from POD_NAMESPACE', () => {
    expect(parseCliOptions(['--storage-dir=/data', '--metrics-port=8080', '--health-port=9440', '--leader-elect', '--no-install-crds'], { POD_NAMESPACE: 'weft-system' })).toEqual({
      help: false,
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

  it('refuses what does not parse, naming the flag', () => {
    expect(() => parseCliOptions(['--metrics-port', 'eighty'])).toThrow(new CliUsageError("--metrics-port: 'eighty' is not a port number"));
    expect(() => parseCliOptions(['--health-port', '70000'])).toThrow(/--health-port: '70000'/);
    expect(() => parseCliOptions(['--concurrent', '0'])).toThrow(/--concurrent: '0' is not a positive integer/);
    expect(() => parseCliOptions(['--in-memory', '--kubeconfig', '/k'])).toThrow(/exclude each other/);
    expect(() => parseCliOptions(['--no-such-flag'])).toThrow(CliUsageError);
  });
});
