import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlPlaneVersions, findControlPlaneBinaries } from '../control-plane/binaries.js';

const versionsEnv = join(__dirname, '../../../../tools/control-plane/versions.env');

describe('controlPlaneVersions', () => {
  it('matches the versions the build script pins', () => {
    const pinned = Object.fromEntries(
      readFileSync(versionsEnv, 'utf8')
        .split('\n')
        .map((line) => /^([A-Z_]+)_VERSION=(\S+)$/.exec(line.trim()))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => [match[1]!.toLowerCase(), match[2]!]),
    );
    expect(pinned).toEqual(controlPlaneVersions);
  });
});

describe('findControlPlaneBinaries', () => {
  const saved = process.env['WEFT_CACHE_DIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['WEFT_CACHE_DIR'];
    else process.env['WEFT_CACHE_DIR'] = saved;
  });

  it('names every missing binary and the cache it looked in', () => {
    process.env['WEFT_CACHE_DIR'] = mkdtempSync(join(tmpdir(), 'weft-empty-cache-'));
    const found = findControlPlaneBinaries();
    expect('missing' in found && found.missing).toHaveLength(6);
    expect('missing' in found && found.cacheDir).toBe(join(process.env['WEFT_CACHE_DIR'], 'bin'));
  });

  it('finds executables laid out by component and version', () => {
    const cache = mkdtempSync(join(tmpdir(), 'weft-cache-'));
    process.env['WEFT_CACHE_DIR'] = cache;
    const place = (dir: string, name: string) => {
      mkdirSync(join(cache, 'bin', dir), { recursive: true });
      writeFileSync(join(cache, 'bin', dir, name), '#!/bin/sh\n');
      chmodSync(join(cache, 'bin', dir, name), 0o755);
    };
    place(`etcd-${controlPlaneVersions.etcd}`, 'etcd');
    for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl']) {
      place(`kubernetes-${controlPlaneVersions.kubernetes}`, name);
    }
    place(`kwok-${controlPlaneVersions.kwok}`, 'kwok');
    const found = findControlPlaneBinaries();
    expect(found).toMatchObject({ kubeApiserver: join(cache, 'bin', `kubernetes-${controlPlaneVersions.kubernetes}`, 'kube-apiserver') });
  });
});
