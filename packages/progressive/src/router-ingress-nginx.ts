/**
 * The `nginx` provider: ingress-nginx canary annotations on `<ingress>-canary`, a copy of the
 * Canary's `ingressRef` whose backends point at `<svc>-canary`, as Flagger's IngressRouter makes it.
 */
import { isNotFoundError, resourceKind, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import type { Canary } from './canary-types.js';
import { controllerRef, serviceNames } from './generated-objects.js';
import type { Router, RouterCallOptions } from './router.js';

/** `networking.k8s.io/v1` Ingress, the kind the `nginx` router copies and annotates. */
export const IngressKind = resourceKind<Ingress>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', namespaced: true });

/** An Ingress, as far as the `nginx` router reads it. */
export interface Ingress extends KubeObject {
  spec?: { rules?: { host?: string; http?: { paths?: { backend?: { service?: { name?: string } } }[] } }[]; [key: string]: unknown };
}

const prefix = 'nginx.ingress.kubernetes.io';
const canaryAnnotations = ['canary', 'canary-weight', 'canary-by-cookie', 'canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern'].map((name) => `${prefix}/${name}`);

function withoutCanaryAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([key]) => !canaryAnnotations.includes(key) && key !== 'kubectl.kubernetes.io/last-applied-configuration' && !key.includes('toolkit.fluxcd.io')));
}

/** The A/B annotations: the first header match (or `cookie`) of `analysis.match`. */
function headerAnnotations(canary: Canary): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of canary.spec.analysis?.match ?? []) {
    for (const [name, value] of Object.entries(match.headers ?? {})) {
      if (name === 'cookie') {
        if (value.exact) out[`${prefix}/canary-by-cookie`] = value.exact;
      } else {
        out[`${prefix}/canary-by-header`] = name;
        if (value.exact) out[`${prefix}/canary-by-header-value`] = value.exact;
        if (value.regex) out[`${prefix}/canary-by-header-pattern`] = value.regex;
      }
    }
  }
  return out;
}

/**
 * The ingress-nginx router.
 *
 * @remarks Needs `spec.ingressRef`. ingress-nginx itself is not started by the tests: they check
 * the objects and annotations it would act on.
 */
export function ingressNginxRouter(client: KubeClient): Router {
  const names = (canary: Canary) => {
    const ref = canary.spec.ingressRef;
    if (!ref) throw new Error(`Canary ${canary.metadata.namespace}/${canary.metadata.name}: spec.ingressRef must be set for the nginx provider`);
    return { ingress: ref.name, canaryIngress: `${ref.name}-canary` };
  };
  const get = async (name: string, canary: Canary, options: RouterCallOptions) => {
    try {
      return await client.get(IngressKind, name, { namespace: canary.metadata.namespace, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  };
  return {
    provider: 'nginx',
    async reconcile(canary, options = {}) {
      const { ingress, canaryIngress } = names(canary);
      const source = await get(ingress, canary, options);
      if (!source) throw new Error(`Ingress ${canary.metadata.namespace}/${ingress} not found`);
      const apex = serviceNames(canary);
      const spec = JSON.parse(JSON.stringify(source.spec ?? {}).replaceAll(`"name":"${apex.apex}"`, `"name":"${apex.canary}"`)) as Ingress['spec'];
      const existing = await get(canaryIngress, canary, options);
      const signal = options.signal ? { signal: options.signal } : {};
      if (!existing) {
        await client.create<Ingress>({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: canaryIngress, namespace: canary.metadata.namespace, annotations: { ...withoutCanaryAnnotations(source.metadata.annotations), [`${prefix}/canary`]: 'true', [`${prefix}/canary-weight`]: '0' }, ownerReferences: [controllerRef(canary)] }, spec }, signal);
        return;
      }
      if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) await client.update<Ingress>({ ...existing, spec }, signal);
    },
    async getRoutes(canary, options = {}) {
      const existing = await get(names(canary).canaryIngress, canary, options);
      if (!existing) throw new Error(`Ingress ${canary.metadata.namespace}/${names(canary).canaryIngress} not found`);
      const annotations = existing.metadata.annotations ?? {};
      if ((canary.spec.analysis?.match ?? []).length > 0 && (annotations[`${prefix}/canary-by-cookie`] !== undefined || annotations[`${prefix}/canary-by-header`] !== undefined)) return { primaryWeight: 0, canaryWeight: 100, mirrored: false };
      const canaryWeight = Number.parseInt(annotations[`${prefix}/canary-weight`] ?? '0', 10) || 0;
      return { primaryWeight: 100 - canaryWeight, canaryWeight, mirrored: false };
    },
    async setRoutes(canary, routes, options = {}) {
      const existing = await get(names(canary).canaryIngress, canary, options);
      if (!existing) throw new Error(`Ingress ${canary.metadata.namespace}/${names(canary).canaryIngress} not found`);
      let annotations: Record<string, string>;
      if (routes.canaryWeight > 0) {
        annotations = (canary.spec.analysis?.match ?? []).length > 0 ? { ...withoutCanaryAnnotations(existing.metadata.annotations), ...headerAnnotations(canary) } : { ...(existing.metadata.annotations ?? {}), [`${prefix}/canary-weight`]: String(routes.canaryWeight) };
        annotations[`${prefix}/canary`] = 'true';
      } else {
        annotations = { ...withoutCanaryAnnotations(existing.metadata.annotations), [`${prefix}/canary`]: 'true', [`${prefix}/canary-weight`]: '0' };
      }
      await client.update<Ingress>({ ...existing, metadata: { ...existing.metadata, annotations } }, options.signal ? { signal: options.signal } : {});
    },
  };
}
