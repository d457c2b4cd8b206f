import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envsubst, SubstitutionError } from '../index.js';

interface EnvsubstCase {
  params: Record<string, string>;
  input: string;
  output: string;
  error?: string;
}

const tables = (JSON.parse(readFileSync(new URL('../../test-data/envsubst/cases.json', import.meta.url), 'utf8')) as { tables: Record<string, { cases: EnvsubstCase[] }> }).tables;

for (const [table, { cases }] of Object.entries(tables)) {
  describe(`Flux envsubst conformance: ${table}`, () => {
    for (const testCase of cases) {
      it(`${JSON.stringify(testCase.input)} with ${JSON.stringify(testCase.params)}`, () => {
        const run = () => envsubst(testCase.input, (name) => testCase.params[name], { strict: table === 'strict' });
        if (testCase.error !== undefined) expect(run).toThrow(SubstitutionError);
        else expect(run()).toBe(testCase.output);
      });
    }
  });
}
