import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { build, memoryFs, YamlSyntaxError } from '../index.js';
import { formatGoNumber, resolvePlainScalar } from '../go-yaml-scalars.js';
import { sha256Hex } from '../sha256.js';
import { decodeYamlStream } from '../yaml-decode.js';
import { encodeYamlDocument } from '../yaml-encode.js';

const kyaml = { version: 'v3', duplicateKeys: 'error' } as const;
const sigsYaml = { version: 'v2', duplicateKeys: 'last-wins' } as const;

describe('reading YAML as kustomize does', () => {
  it('resolves plain scalars as go-yaml v3 (resources) and v2 (kustomization files)', () => {
    const cases: [string, unknown, unknown][] = [
      ['0755', 493, 493],
      ['0o17', 15, 15],
      ['0x1F', 31, 31],
      ['08', 8, 8],
      ['1e3', 1000, 1000],
      ['.5', 0.5, 0.5],
      ['1_000', 1000, 1000],
      ['yes', 'yes', true],
      ['on', 'on', true],
      ['n', 'n', false],
      ['True', true, true],
      ['~', null, null],
      ['.', '.', '.'],
      ['1:20', '1:20', '1:20'],
      ['2024-01-31', '2024-01-31', '2024-01-31'],
    ];
    for (const [text, v3, v2] of cases) {
      expect(resolvePlainScalar(text, 'v3').value, `v3 ${text}`).toBe(v3);
      expect(resolvePlainScalar(text, 'v2').value, `v2 ${text}`).toBe(v2);
    }
  });

  it('writes unquoted timestamps in resources as Go RFC 3339, as kustomize prints them', () => {
    const [object] = decodeYamlStream('a: 2024-01-31\nb: 2001-12-14t21:59:43.10-05:00\nc: "2024-01-31"\n', 'f.yaml', kyaml);
    expect(object).toEqual({ a: '2024-01-31T00:00:00Z', b: '2001-12-14T21:59:43.1-05:00', c: '2024-01-31' });
  });

  it('accepts quoted scalars continued at the key column and keeps a block scalar ending the file without a line break', () => {
    const text = "spec:\n  description: 'first line\n  second line'\n  script: |\n    echo done";
    expect(decodeYamlStream(text, 'f.yaml', kyaml)).toEqual([{ spec: { description: 'first line second line', script: 'echo done' } }]);
  });

  it('finds a repeated key among 60,000 (kyaml refuses it; sigs.k8s.io/yaml keeps the last)', () => {
    let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n';
    for (let index = 0; index < 60_000; index++) text += `  key-${index}: "value ${index}"\n`;
    const repeated = `${text}  key-17: again\n`;
    expect(() => decodeYamlStream(repeated, 'big.yaml', kyaml)).toThrow(/big\.yaml:60006:3: invalid YAML: mapping key "key-17" already defined at line 23/);
    const [object] = decodeYamlStream(repeated, 'big.yaml', sigsYaml) as [{ data: Record<string, string> }];
    expect(Object.keys(object.data)).toHaveLength(60_000);
    expect(object.data['key-17']).toBe('again');
  });

  it('keeps decoded quoted scalars compact (issue 14 #5: a 50 MB manifest held ten times its size)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const text = `data:\n${Array.from({ length: 50_000 }, (_, index) => `  key-${index}: "value-${index}-lorem-ipsum-dolor-sit-amet"\n`).join('')}`;
    gc();
    const before = process.memoryUsage().heapUsed;
    const [decoded] = decodeYamlStream(text, 'cm.yaml', kyaml) as [{ data: Record<string, string> }];
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    expect(Object.keys(decoded.data)).toHaveLength(50_000);
    // yaml builds quoted values a character at a time; unflattened, they kept ~14 bytes per input byte
    expect(kept / text.length).toBeLessThan(4);
  });

  it('refuses a YAML alias bomb with a YamlSyntaxError naming the file, without expanding it', () => {
    let text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      text += `  ${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
    }
    const error = (() => {
      try {
        decodeYamlStream(text, 'bomb.yaml', kyaml);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(YamlSyntaxError);
    expect((error as YamlSyntaxError).file).toBe('bomb.yaml');
    expect((error as Error).message).toMatch(/^bomb\.yaml:\d+:\d+: invalid YAML: document contains excessive aliasing/);
  });

  it('keeps aliases and merge keys that stay within go-yaml budget', () => {
    const text = 'base: &base {x: 1, y: 2}\nm:\n  <<: *base\n  y: 3\nlist: &l [a, b]\ncopy: *l\n';
    expect(decodeYamlStream(text, 'f.yaml', kyaml)).toEqual([{ base: { x: 1, y: 2 }, m: { x: 1, y: 3 }, list: ['a', 'b'], copy: ['a', 'b'] }]);
  });

  it('refuses invalid UTF-8 as kustomize does, naming the file and line', async () => {
    const fs = memoryFs({
      '/app/kustomization.yaml': 'resources: [cm.yaml]\n',
      '/app/cm.yaml': new Uint8Array([...Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf'), 0xe9, ...Buffer.from('\n')]),
    });
    await expect(build('/app', { fs })).rejects.toThrow(YamlSyntaxError);
    await expect(build('/app', { fs })).rejects.toThrow(/^cm\.yaml:4: invalid YAML: invalid UTF-8/);
  });
});

describe('writing YAML as kustomize does', () => {
  it('quotes what a YAML 1.1 reader would take for another type, and writes numbers as Go does', () => {
    expect(encodeYamlDocument({ args: ['--appendonly', 'no'], mode: '0755', date: '2024-01-31', on: 'on', n: 1.5e-7, big: 1234567.5 })).toBe(
      'args:\n- --appendonly\n- "no"\nbig: 1.2345675e+06\ndate: "2024-01-31"\nmode: "0755"\n"n": 1.5e-07\n"on": "on"\n',
    );
    expect(formatGoNumber(12)).toBe('12');
  });

  it('writes text that kubectl (go-yaml v2) reads back as the same object', () => {
    const characters = ['a', 'Z', '0', '1', ':', '-', '.', '#', ' ', '[', '{', '!', '*', '~', '/', '$', '(', '@', '%', 'y', 'n', 'é', '\t', '\n', '"', "'", '\u00a0', '😀'];
    const text = fc.string({ unit: fc.constantFrom(...characters), maxLength: 14 });
    const value = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    fc.assert(
      fc.property(fc.dictionary(text, fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.dictionary(text, value, { maxKeys: 3 }))), (object) => {
        const [back] = decodeYamlStream(encodeYamlDocument(object), 'output', sigsYaml);
        expect(back).toEqual(JSON.parse(JSON.stringify(object)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('content hashes', () => {
  it('computes SHA-256 as node:crypto does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
      }),
      { numRuns: 500 },
    );
  });
});
