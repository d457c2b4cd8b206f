/**
 * Kubernetes label selectors in their string form (`app=web,tier!=db,env in (prod,staging),!legacy`).
 */

interface Requirement {
  readonly key: string;
  readonly operator: 'in' | 'notin' | 'exists' | 'doesnotexist';
  readonly values: readonly string[];
}

/** A parsed label selector: call it with an object's labels. */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Parses a label selector string (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`), or a map of
 * equalities, into a matcher; the empty selector matches everything.
 *
 * @throws Error with the selector in the message when it does not parse.
 */
export function parseLabelSelector(selector: string | Readonly<Record<string, string>>): LabelMatcher {
  const requirements = typeof selector === 'string' ? parseRequirements(selector) : Object.entries(selector).map(([key, value]): Requirement => ({ key, operator: 'in', values: [value] }));
  return (labels) =>
    requirements.every((requirement) => {
      const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
      switch (requirement.operator) {
        case 'exists':
          return has;
        case 'doesnotexist':
          return !has;
        case 'in':
          return has && requirement.values.includes(labels[requirement.key]!);
        case 'notin':
          return !has || !requirement.values.includes(labels[requirement.key]!);
      }
    });
}

function parseRequirements(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      let match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
      if (match) return { key: match[1]!, operator: match[2] as 'in' | 'notin', values: match[3]!.split(',').map((value) => value.trim()).filter((value) => value !== '') };
      match = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
      if (match) return { key: match[1]!, operator: match[2] === '!=' ? 'notin' : 'in', values: [match[3]!] };
      match = /^(!?)([\w./-]+)$/.exec(part);
      if (match) return { key: match[2]!, operator: match[1] ? 'doesnotexist' : 'exists', values: [] };
      throw new Error(`label selector "${selector}": cannot parse "${part}"`);
    });
}
