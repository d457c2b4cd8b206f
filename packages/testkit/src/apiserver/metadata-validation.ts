import type { StatusCause } from './status-error.js';

/**
 * The apiserver's checks of labels, annotations and finalizers (apimachinery's `ValidateLabels`,
 * `ValidateAnnotations`, `ValidateFinalizers`), with its messages, so an invalid object is refused
 * here with the same 422 causes as by kube-apiserver.
 */

const namePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const namePartRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const qualifiedRule =
  "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const prefixRule =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelValueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** The finalizers a built-in object may carry without a domain. */
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** Most bytes all annotations of an object may add up to (keys and values). */
const annotationsLimit = 256 * 1024;

const invalidValue = (value: string, why: string, field: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
  field,
});

/** apimachinery's `IsQualifiedName`: `[prefix/]name`, the prefix a DNS subdomain, the name 63 characters at most. */
export function qualifiedNameProblems(value: string, field: string): StatusCause[] {
  const parts = value.split('/');
  let name: string;
  const causes: StatusCause[] = [];
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix.length === 0) causes.push(invalidValue(value, 'prefix part must be non-empty', field));
    else if (prefix.length > 253) causes.push(invalidValue(value, 'prefix part must be no more than 253 bytes', field));
    else if (!subdomain.test(prefix)) causes.push(invalidValue(value, prefixRule, field));
  } else {
    return [invalidValue(value, qualifiedRule, field)];
  }
  if (name.length === 0) causes.push(invalidValue(value, 'name part must be non-empty', field));
  else if (name.length > 63) causes.push(invalidValue(value, 'name part must be no more than 63 bytes', field));
  if (!namePart.test(name)) causes.push(invalidValue(value, namePartRule, field));
  return causes;
}

/** The causes of invalid label keys and values (`metadata.labels`). */
export function labelProblems(labels: Record<string, string>): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    causes.push(...qualifiedNameProblems(key, 'metadata.labels'));
    if (value.length > 63) causes.push(invalidValue(value, 'must be no more than 63 bytes', 'metadata.labels'));
    if (!labelValue.test(value)) causes.push(invalidValue(value, labelValueRule, 'metadata.labels'));
  }
  return causes;
}

/** The causes of invalid annotation keys and of annotations over 256 KiB in all (`metadata.annotations`). */
export function annotationProblems(annotations: Record<string, string>): StatusCause[] {
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    causes.push(...qualifiedNameProblems(key.toLowerCase(), 'metadata.annotations'));
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > annotationsLimit) {
    causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${annotationsLimit} bytes`, field: 'metadata.annotations' });
  }
  return causes;
}

/**
 * The causes of invalid finalizer names (`metadata.finalizers`): each a qualified name; built-in
 * kinds also refuse a name without a domain unless it is a standard one (`kubernetes`, `orphan`,
 * `foregroundDeletion`); custom resources allow it.
 */
export function finalizerProblems(finalizers: readonly unknown[], builtin: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  finalizers.forEach((finalizer, index) => {
    if (typeof finalizer !== 'string') return;
    causes.push(...qualifiedNameProblems(finalizer, 'metadata.finalizers'));
    if (builtin && !finalizer.includes('/') && !standardFinalizers.has(finalizer)) {
      causes.push(invalidValue(finalizer, 'name is neither a standard finalizer name nor is it fully qualified', `metadata.finalizers[${index}]`));
    }
  });
  return causes;
}
