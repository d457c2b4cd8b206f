import type { KubeObject } from '@weft/reconcile-core';
import { describe, expect, it } from 'vitest';
import type { KindInfo } from '../catalogue.js';
import { styleFor } from '../output/style.js';
import { table } from '../verbs/get.js';

const kind = (name: string, spec: string[], status: string[]): KindInfo => ({
  apiVersion: 'image.weft.dev/v1',
  kind: name,
  plural: `${name.toLowerCase()}s`,
  singular: name.toLowerCase(),
  shortNames: [],
  namespaced: true,
  from: '@weft/image-automation',
  schema: { type: 'object', properties: { spec: { properties: Object.fromEntries(spec.map((field) => [field, {}])) }, status: { properties: Object.fromEntries(status.map((field) => [field, {}])) } } },
});
const plain = styleFor({ write: () => true }, {});
const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok', lastTransitionTime: '2025-01-01T00:00:00Z' }] };
// Objects as they arrive from the apiserver: timestamps are strings.
const object = (name: string, status: object, spec: object = {}) => ({ apiVersion: 'image.weft.dev/v1', kind: 'X', metadata: { name, namespace: 'apps', creationTimestamp: new Date().toISOString() }, spec, status }) as unknown as KubeObject;

/** The columns `weft get` shows per kind, from a kind's schema alone (so kinds that land later get theirs). */
describe('get columns', () => {
  it("Flux's image columns: LAST SCAN, LATEST IMAGE, LAST RUN in REVISION's place", () => {
    const options = { allNamespaces: false, prefix: false, style: plain };
    expect(table(kind('ImageRepository', ['suspend'], ['conditions', 'lastScanResult']), [object('web', { ...ready, lastScanResult: { scanTime: '2025-01-01T00:00:00Z', tagCount: 12 } })], options)[1]!.split(/\s{3,}/)).toEqual(['web', '2025-01-01T00:00:00Z (12 tags)', 'False', 'True', 'ok', expect.stringMatching(/^\d+s$/)]);
    expect(table(kind('ImagePolicy', [], ['conditions', 'latestRef']), [object('web', { ...ready, latestRef: { name: 'ghcr.io/shop/web', tag: '1.2.3' } })], options)[0]!.split(/\s{3,}/)).toEqual(['NAME', 'LATEST IMAGE', 'READY', 'MESSAGE', 'AGE']);
    expect(table(kind('ImagePolicy', [], ['conditions', 'latestRef']), [object('web', { ...ready, latestRef: { name: 'ghcr.io/shop/web', tag: '1.2.3' } })], options)[1]).toMatch(/^web\s+ghcr\.io\/shop\/web:1\.2\.3\s+True\s+ok\s+\d+s$/);
    expect(table(kind('ImageUpdateAutomation', ['suspend'], ['conditions', 'lastAutomationRunTime']), [object('bot', { ...ready, lastAutomationRunTime: '2025-01-02T00:00:00Z' }, { suspend: true })], options)[1]!.split(/\s{3,}/).slice(0, 3)).toEqual(['bot', '2025-01-02T00:00:00Z', 'True']);
  });

  it('a kind without status conditions has no READY column; an object without a Ready condition is "waiting to be reconciled"', () => {
    const options = { allNamespaces: true, prefix: false, style: plain };
    expect(table(kind('Thing', [], []), [object('a', {})], options)[0]!.split(/\s{3,}/)).toEqual(['NAMESPACE', 'NAME', 'AGE']);
    const [header, row] = table(kind('Other', ['suspend'], ['conditions']), [object('a', {})], options);
    expect(header!.split(/\s{3,}/)).toEqual(['NAMESPACE', 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE', 'AGE']);
    expect(row).toMatch(/^apps\s+a\s+False\s+False\s+waiting to be reconciled\s+\d+s$/);
  });
});

describe('kind catalogue', () => {
  it("lists the image automation kinds from @weft/image-automation, with the status fields their Flux columns read", async () => {
    const { kindCatalogue } = await import('../catalogue.js');
    const kinds = await kindCatalogue();
    const image = kinds.filter((kind) => kind.from === '@weft/image-automation').map((kind) => kind.kind).sort();
    expect(image).toEqual(['ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation']);
    const status = (name: string) => JSON.stringify(kinds.find((kind) => kind.kind === name)!.schema);
    expect(status('ImageRepository')).toContain('lastScanResult');
    expect(status('ImagePolicy')).toContain('latestRef');
    expect(status('ImageUpdateAutomation')).toContain('lastAutomationRunTime');
  });
});
