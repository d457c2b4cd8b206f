import { randomBytes } from 'node:crypto';
import type { ResourceDefinition } from './resources.js';
import type { StatusCause } from './status-error.js';

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMessage =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** The name rule a resource's objects follow, as the apiserver's validation picks it. */
function nameRule(resource: ResourceDefinition): 'label' | 'subdomain' | 'segment' {
  if (resource.group === '' && (resource.plural === 'namespaces' || resource.plural === 'services')) return 'label';
  if (resource.group === 'rbac.authorization.k8s.io') return 'segment';
  return 'subdomain';
}

/** The causes of an invalid `metadata.name`, empty when it is valid. */
export function nameProblems(resource: ResourceDefinition, name: string): StatusCause[] {
  const rule = nameRule(resource);
  if (rule === 'segment') {
    if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) {
      return [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": may not contain '/' or '%' and may not be '.' or '..'`, field: 'metadata.name' }];
    }
    return [];
  }
  const max = rule === 'label' ? 63 : 253;
  const causes: StatusCause[] = [];
  if (name.length > max) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": must be no more than ${max} characters`, field: 'metadata.name' });
  if (!(rule === 'label' ? label : subdomain).test(name)) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${rule === 'label' ? labelMessage : subdomainMessage}`, field: 'metadata.name' });
  }
  return causes;
}

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** A name from `generateName`: the prefix (cut to fit) and five random characters, as the apiserver makes them. */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  const suffix = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${prefix.slice(0, 58)}${suffix}`;
}
