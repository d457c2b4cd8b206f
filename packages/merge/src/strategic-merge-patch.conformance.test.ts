// Kubernetes' own strategic merge patch test tables (k8s.io/apimachinery
// pkg/util/strategicpatch/patch_test.go, Apache-2.0), copied as data into
// packages/merge/test-data/strategic-merge from the project's shared conformance folder.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, MergeSchemaRegistry, type JsonObject, type TypeSchema } from './index.js';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-data', 'strategic-merge');
const cases = JSON.parse(readFileSync(join(dataDir, 'cases.json'), 'utf8')) as {
  tables: Record<string, { compare: 'sorted' | 'exact'; checks: string[]; cases: Case[] }>;
};
const registry = MergeSchemaRegistry.empty().withOpenApi(JSON.parse(readFileSync(join(dataDir, 'swagger-merge-item-v3.json'), 'utf8')));
const schema = registry.lookup({ group: 'fake-group', version: 'some-version', kind: 'mergeItem' }) as TypeSchema;

interface Case {
  description: string;
  original?: JsonObject;
  twoWay?: JsonObject;
  twoWayResult?: JsonObject;
  modified?: JsonObject;
  current?: JsonObject;
  threeWay?: JsonObject;
  result?: JsonObject;
  expectedError?: string;
}

/** Sorts merging lists by merge key (and merging scalar lists by value), as the Go test does before comparing. */
function sortMergingLists(value: unknown, type: TypeSchema | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => sortMergingLists(item, type?.kind === 'list' ? type.items : undefined));
  if (typeof value !== 'object' || value === null) return value;
  const result: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    const field = type?.kind === 'struct' ? type.fields.get(key) : undefined;
    let sorted = sortMergingLists(inner, field?.type);
    if (Array.isArray(sorted) && field?.patchStrategy.includes('merge')) {
      const mergeKey = field.patchMergeKey;
      sorted = [...sorted].sort((a, b) => {
        const left = mergeKey ? (a as JsonObject)[mergeKey] : a;
        const right = mergeKey ? (b as JsonObject)[mergeKey] : b;
        return String(left) < String(right) ? -1 : String(left) > String(right) ? 1 : 0;
      });
    }
    result[key] = sorted;
  }
  return result;
}

/**
 * A frozen deep copy: the engine is copy-on-write and must never write into its inputs (a write
 * into a frozen object throws in strict mode).
 */
function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (inner: unknown): void => {
    if (typeof inner !== 'object' || inner === null) return;
    for (const child of Object.values(inner)) freeze(child);
    Object.freeze(inner);
  };
  freeze(copy);
  return copy;
}

describe.each(Object.entries(cases.tables))('apimachinery table %s', (_name, table) => {
  const normalize = (value: unknown): unknown => (table.compare === 'sorted' ? sortMergingLists(value, schema) : value);
  if (table.checks.includes('twoWay')) {
    const twoWay = table.cases.filter((c) => c.twoWay !== undefined);
    it.each(twoWay.map((c) => [c.description, c] as const))('two-way: %s', (_description, c) => {
      const apply = () => applyStrategicMergePatch(frozen(c.original ?? {}), frozen(c.twoWay as JsonObject), { schema });
      if (c.expectedError !== undefined) {
        expect(apply).toThrow(c.expectedError);
        return;
      }
      expect(normalize(apply())).toEqual(normalize(c.twoWayResult ?? c.modified));
    });
  }
  if (table.checks.includes('threeWay')) {
    const threeWay = table.cases.filter((c) => c.threeWay !== undefined && c.result !== undefined);
    it.each(threeWay.map((c) => [c.description, c] as const))('three-way: %s', (_description, c) => {
      const result = applyStrategicMergePatch(frozen(c.current ?? {}), frozen(c.threeWay as JsonObject), { schema });
      expect(normalize(result)).toEqual(normalize(c.result));
    });
  }
});
