import { parseGoTemplate } from './go-template.js';
import type { SetterChange } from './setters/rewrite-setters.js';

/** Flux's default commit message template (image-automation-controller v1). */
export const DEFAULT_MESSAGE_TEMPLATE = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
  Changes:
{{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
{{ end -}}
{{ end -}}
`;

/** An object key of the template data, ordered and printed as Flux's `ResourceIdentifier`. */
export interface TemplateObject {
  readonly APIVersion: string;
  readonly Kind: string;
  readonly Name: string;
  readonly Namespace: string;
}

/** One change as the template sees it: `OldValue`, `NewValue`, `Setter` (the marker's reference). */
export interface TemplateChange {
  readonly OldValue: string;
  readonly NewValue: string;
  readonly Setter: string;
}

/** The data a commit message or branch template is rendered with: Flux's names. */
export interface CommitTemplateData {
  /** `namespace/name` of the ImageUpdateAutomation; `.Name` and `.Namespace` too. */
  readonly AutomationObject: { readonly Name: string; readonly Namespace: string; toString(): string };
  readonly Changed: {
    /** file → object → changes. */
    readonly FileChanges: Map<string, Map<TemplateObject, TemplateChange[]>>;
    /** object → changes. */
    readonly Objects: Map<TemplateObject, TemplateChange[]>;
    /** Every change, in file order. */
    readonly Changes: TemplateChange[];
  };
  /** `spec.git.commit.messageTemplateValues` (a map: a missing key prints `<no value>`). */
  readonly Values: ReadonlyMap<string, string>;
}

/**
 * Builds the template data of a run from the setter changes, as Flux's `update.ResultV2`.
 *
 * @example
 * ```ts
 * import { DEFAULT_MESSAGE_TEMPLATE, commitTemplateData, renderTemplate } from '@weft/image-automation';
 * renderTemplate(DEFAULT_MESSAGE_TEMPLATE, commitTemplateData({ namespace: 'apps', name: 'web' }, changes));
 * ```
 */
export function commitTemplateData(automation: { namespace: string; name: string }, changes: readonly SetterChange[], values: Readonly<Record<string, string>> = {}): CommitTemplateData {
  const objects = new Map<string, TemplateObject>();
  const objectOf = (change: SetterChange): TemplateObject => {
    const o = change.object;
    const key = JSON.stringify([o.apiVersion ?? '', o.kind ?? '', o.name ?? '', o.namespace ?? '']);
    let object = objects.get(key);
    if (!object) {
      object = { APIVersion: o.apiVersion ?? '', Kind: o.kind ?? '', Name: o.name ?? '', Namespace: o.namespace ?? '' };
      // Printed as Go prints kyaml's ResourceIdentifier: {{{apiVersion kind} {name namespace}}}.
      const printed = `{{{${object.APIVersion} ${object.Kind}} {${object.Name} ${object.Namespace}}}}`;
      Object.defineProperty(object, 'toString', { value: () => printed, enumerable: false });
      objects.set(key, object);
    }
    return object;
  };
  const fileChanges = new Map<string, Map<TemplateObject, TemplateChange[]>>();
  const byObject = new Map<TemplateObject, TemplateChange[]>();
  const all: TemplateChange[] = [];
  for (const change of changes) {
    const item: TemplateChange = {
      OldValue: change.oldValue,
      NewValue: change.newValue,
      Setter: `${change.policy.namespace}:${change.policy.name}${change.field === 'image' ? '' : `:${change.field}`}`,
    };
    const object = objectOf(change);
    const file = change.file ?? '';
    if (!fileChanges.has(file)) fileChanges.set(file, new Map());
    const inFile = fileChanges.get(file)!;
    inFile.set(object, [...(inFile.get(object) ?? []), item]);
    byObject.set(object, [...(byObject.get(object) ?? []), item]);
    all.push(item);
  }
  return {
    AutomationObject: { Name: automation.name, Namespace: automation.namespace, toString: () => `${automation.namespace}/${automation.name}` },
    Changed: { FileChanges: fileChanges, Objects: byObject, Changes: all },
    Values: new Map(Object.entries(values)),
  };
}

/**
 * Renders a commit message or branch template (Go `text/template` syntax) over {@link commitTemplateData}.
 *
 * @throws {@link TemplateError} for a template that does not parse or render.
 * @example
 * ```ts
 * import { renderTemplate } from '@weft/image-automation';
 * renderTemplate('Update {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}', data);
 * ```
 */
export function renderTemplate(template: string, data: CommitTemplateData, what = 'messageTemplate'): string {
  return parseGoTemplate(template, what).render(data);
}
