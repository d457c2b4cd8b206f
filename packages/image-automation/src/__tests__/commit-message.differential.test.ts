/**
 * Commit messages and the tags revision against Go: text/template over the shapes of Flux's
 * commit template data, and adler32 of encoding/json, in tools/image-policy-oracle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_TEMPLATE, commitTemplateData, renderTemplate, tagsRevision, type SetterChange } from '../index.js';

const build = fileURLToPath(new URL('../../../../tools/image-policy-oracle/build.sh', import.meta.url));
const oracle = `${spawnSync('bash', [build, '--print-dir']).stdout.toString().trim()}/image-policy-oracle`;
if (!existsSync(oracle) && spawnSync('go', ['version']).status === 0) spawnSync('bash', [build], { stdio: 'inherit', timeout: 300_000 });
const haveOracle = existsSync(oracle);
if (!haveOracle && process.env.CI === 'true') throw new Error(`CI=true but the image policy oracle is missing at ${oracle}`);

function ask(requests: object[]): { ok: boolean; tag?: string; error?: string }[] {
  const run = spawnSync(oracle, [], { input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(run.stderr.toString());
  return run.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
}

const TEMPLATES = [
  DEFAULT_MESSAGE_TEMPLATE,
  '[ci skip] {{ len .Changed.Changes }} image(s) for {{ .AutomationObject.Namespace }}/{{ .AutomationObject.Name }}',
  '{{ range .Changed.Changes }}{{ .Setter }}: {{ .OldValue }} -> {{ .NewValue }}\n{{ else }}nothing{{ end }}',
  '{{- range $file, $objects := .Changed.FileChanges }}{{ $file }}:{{ range $object, $changes := $objects }} {{ $object.Kind }}/{{ $object.Name }}={{ len $changes }}{{ end }};{{ end -}}',
  '{{ if .Values.env }}env {{ .Values.env }}{{ else if .Values.team }}team {{ .Values.team }}{{ else }}no env{{ end }} {{ with .Values.team }}({{ . }}){{ end }}',
  '{{ range $i, $c := .Changed.Changes }}{{ if $i }}, {{ end }}{{ printf "%s@%q" $c.NewValue $c.Setter }}{{ end }}',
  '{{ range $r, $c := .Changed.Objects }}{{ $r }} {{ end }}{{ .AutomationObject }} {{/* a comment */}}{{ index .Values "env" }}',
];

const word = fc.constantFrom('web', 'api', 'worker', 'apps', 'prod', '');
const change = fc.record({
  file: fc.constantFrom('deploy/web.yaml', 'deploy/api.yaml', 'kustomization.yaml', 'a/b.yml'),
  apiVersion: fc.constantFrom('apps/v1', 'v1', 'kustomize.config.k8s.io/v1beta1', ''),
  kind: fc.constantFrom('Deployment', 'CronJob', 'Kustomization', ''),
  name: word,
  namespace: word,
  oldValue: fc.constantFrom('1.0.0', 'ghcr.io/org/web:1.0.0', 'v1'),
  newValue: fc.constantFrom('1.1.0', 'ghcr.io/org/web:1.1.0', 'v2'),
  field: fc.constantFrom('image', 'tag', 'name', 'digest'),
});

describe.skipIf(!haveOracle)('commit message templates against Go text/template (image-policy-oracle)', () => {
  it('renders Flux\'s default and other templates as Go does', () => {
    const cases = fc.sample(
      fc.record({ template: fc.constantFrom(...TEMPLATES), changes: fc.array(change, { maxLength: 6 }), values: fc.constantFrom<Record<string, string>>({}, { env: 'prod' }, { team: 'a' }, { env: 'x', team: 'y' }) }),
      { numRuns: 400, seed: 7 },
    );
    const requests = cases.map((c) => ({
      op: 'template',
      template: c.template,
      automation: { namespace: 'flux-system', name: 'apps' },
      values: c.values,
      changes: c.changes.map((ch) => ({ ...ch, setter: `apps:web${ch.field === 'image' ? '' : `:${ch.field}`}` })),
    }));
    const answers = ask(requests);
    cases.forEach((c, index) => {
      const changes: SetterChange[] = c.changes.map((ch, line) => ({
        file: ch.file,
        line,
        policy: { namespace: 'apps', name: 'web' },
        field: ch.field,
        oldValue: ch.oldValue,
        newValue: ch.newValue,
        object: {
          ...(ch.apiVersion ? { apiVersion: ch.apiVersion } : {}),
          ...(ch.kind ? { kind: ch.kind } : {}),
          ...(ch.name ? { name: ch.name } : {}),
          ...(ch.namespace ? { namespace: ch.namespace } : {}),
        },
      }));
      const ours = renderTemplate(c.template, commitTemplateData({ namespace: 'flux-system', name: 'apps' }, changes, c.values));
      expect({ ok: answers[index]!.ok, tag: answers[index]!.tag ?? '' }, JSON.stringify(c)).toEqual({ ok: true, tag: ours });
    });
  });

  it('computes the tags revision as Flux (adler32 of the JSON)', () => {
    const lists = fc.sample(fc.array(fc.stringMatching(/^[\w][\w.<>&-]{0,10}$/), { maxLength: 8 }), { numRuns: 200, seed: 3 });
    const answers = ask(lists.map((tags) => ({ op: 'revision', tags })));
    lists.forEach((tags, index) => expect(tagsRevision(tags)).toBe(answers[index]!.tag));
  });
});
