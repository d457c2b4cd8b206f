/**
 * What makes a new revision: the target's pod template and the ConfigMaps and Secrets it uses,
 * each reduced to a checksum, as Flagger tracks them (`lastAppliedSpec`, `trackedConfigs`).
 */
import { createHash } from 'node:crypto';

/** A ConfigMap or Secret the pod template refers to. */
export interface ConfigRef {
  readonly kind: 'configmap' | 'secret';
  readonly name: string;
  /** Whether the pod template marks the reference `optional: false` (or leaves it unset). */
  readonly required: boolean;
}

/** JSON with object keys sorted, so equal values hash alike whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A short, stable checksum of any JSON value. */
export function checksum(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** The revision of a pod template: a new one starts an analysis. */
export function templateRevision(template: unknown): string {
  return checksum(template);
}

type Optional = { readonly optional?: boolean };
interface PodSpecLike {
  readonly volumes?: readonly { readonly configMap?: { readonly name?: string } & Optional; readonly secret?: { readonly secretName?: string } & Optional; readonly projected?: { readonly sources?: readonly { readonly configMap?: { readonly name?: string } & Optional; readonly secret?: { readonly name?: string } & Optional }[] } }[];
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
}
interface ContainerLike {
  readonly env?: readonly { readonly valueFrom?: { readonly configMapKeyRef?: { readonly name?: string } & Optional; readonly secretKeyRef?: { readonly name?: string } & Optional } }[];
  readonly envFrom?: readonly { readonly configMapRef?: { readonly name?: string } & Optional; readonly secretRef?: { readonly name?: string } & Optional }[];
}

/**
 * The ConfigMaps and Secrets a pod spec uses through volumes (projected too), `env.valueFrom`
 * and `envFrom`, in containers and init containers: the ones Flagger tracks and copies.
 */
export function configRefsOf(podSpec: unknown): ConfigRef[] {
  const spec = (podSpec ?? {}) as PodSpecLike;
  const refs = new Map<string, ConfigRef>();
  const add = (kind: ConfigRef['kind'], name: string | undefined, optional: boolean | undefined) => {
    if (name) refs.set(`${kind}/${name}`, { kind, name, required: optional !== true });
  };
  for (const volume of spec.volumes ?? []) {
    add('configmap', volume.configMap?.name, volume.configMap?.optional);
    add('secret', volume.secret?.secretName, volume.secret?.optional);
    for (const source of volume.projected?.sources ?? []) {
      add('configmap', source.configMap?.name, source.configMap?.optional);
      add('secret', source.secret?.name, source.secret?.optional);
    }
  }
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const env of container.env ?? []) {
      add('configmap', env.valueFrom?.configMapKeyRef?.name, env.valueFrom?.configMapKeyRef?.optional);
      add('secret', env.valueFrom?.secretKeyRef?.name, env.valueFrom?.secretKeyRef?.optional);
    }
    for (const from of container.envFrom ?? []) {
      add('configmap', from.configMapRef?.name, from.configMapRef?.optional);
      add('secret', from.secretRef?.name, from.secretRef?.optional);
    }
  }
  return [...refs.values()];
}

/** Secret types Flagger tracks; others (registry credentials, tokens) are left alone. */
export const trackedSecretTypes: readonly string[] = ['Opaque', 'kubernetes.io/basic-auth', 'kubernetes.io/ssh-auth', 'kubernetes.io/tls'];

/** The annotation that opts a ConfigMap or Secret out of tracking, as Flagger's (`disabled`). */
export const configTrackingAnnotation = 'flagger.app/config-tracking';

/**
 * Rewrites a pod spec to use the `-primary` copies of the tracked ConfigMaps and Secrets
 * (`tracked` holds `configmap/<name>` / `secret/<name>` keys).
 *
 * @remarks Pure: returns a new object.
 */
export function withPrimaryConfigs<T>(podSpec: T, tracked: ReadonlySet<string>): T {
  const rename = (kind: string, name: unknown) => (typeof name === 'string' && tracked.has(`${kind}/${name}`) ? `${name}-primary` : name);
  const copy = structuredClone(podSpec) as PodSpecLike & Record<string, unknown>;
  for (const volume of (copy.volumes ?? []) as Record<string, Record<string, unknown>>[]) {
    if (volume['configMap']) volume['configMap']['name'] = rename('configmap', volume['configMap']['name']);
    if (volume['secret']) volume['secret']['secretName'] = rename('secret', volume['secret']['secretName']);
    for (const source of ((volume['projected']?.['sources'] ?? []) as Record<string, Record<string, unknown>>[])) {
      if (source['configMap']) source['configMap']['name'] = rename('configmap', source['configMap']['name']);
      if (source['secret']) source['secret']['name'] = rename('secret', source['secret']['name']);
    }
  }
  for (const container of [...(copy.containers ?? []), ...(copy.initContainers ?? [])] as Record<string, Record<string, Record<string, unknown>>[]>[]) {
    for (const env of container['env'] ?? []) {
      const from = env['valueFrom'] as Record<string, Record<string, unknown>> | undefined;
      if (from?.['configMapKeyRef']) from['configMapKeyRef']['name'] = rename('configmap', from['configMapKeyRef']['name']);
      if (from?.['secretKeyRef']) from['secretKeyRef']['name'] = rename('secret', from['secretKeyRef']['name']);
    }
    for (const from of container['envFrom'] ?? []) {
      if (from['configMapRef']) from['configMapRef']['name'] = rename('configmap', from['configMapRef']['name']);
      if (from['secretRef']) from['secretRef']['name'] = rename('secret', from['secretRef']['name']);
    }
  }
  return copy as T;
}
