import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@weft/reconcile-core';
import { build, memoryFs } from '@weft/kustomize-lite';
import { parseDocument } from 'yaml';
import { type ExtraComponent, readDeployDirectory } from './deploy-files.js';

declare const __WEFT_OPERATOR_DEPLOY__: Readonly<Record<string, string>> | undefined;

/**
 * The files of `examples/gitops-operator/deploy` (CRDs, namespace, RBAC, the operator's
 * Deployment, their kustomization.yaml, and the kustomize components under `components/`):
 * carried in the bundled binary, read from the repository when run from source.
 */
export function operatorDeployFiles(): Readonly<Record<string, string>> {
  if (typeof __WEFT_OPERATOR_DEPLOY__ !== 'undefined') return __WEFT_OPERATOR_DEPLOY__;
  return readDeployDirectory(fileURLToPath(new URL('../../../examples/gitops-operator/deploy/', import.meta.url)));
}

/**
 * What `weft install` applies: the deploy kustomization built (kustomize-lite) with the `components`
 * added, in `namespace` when one is given (kustomize's namespace transformer, so the RBAC subjects
 * follow), with the operator's image replaced when `image` is given.
 */
export async function operatorManifests(options: { namespace?: string | undefined; image?: string | undefined; components?: readonly ExtraComponent[] } = {}): Promise<KubeObject[]> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(operatorDeployFiles())) files[`/deploy/${name}`] = text;
  const kustomization = parseDocument(files['/deploy/kustomization.yaml'] ?? '');
  const original: unknown = kustomization.get('namespace');
  if (options.namespace) kustomization.set('namespace', options.namespace);
  if (options.components?.length) kustomization.set('components', options.components.map((component) => `components/${component}`));
  files['/deploy/kustomization.yaml'] = kustomization.toString();
  const objects = (await build('/deploy', { fs: memoryFs(files) })) as unknown as KubeObject[];
  return objects.map((object) => {
    if (options.image && object.kind === 'Deployment') {
      const spec = structuredClone(object['spec']) as { template: { spec: { containers: { image?: string }[] } } };
      for (const container of spec.template.spec.containers) container.image = options.image;
      return { ...object, spec };
    }
    // The bindings name the operator's ServiceAccount in the manifests' own namespace: move them with it.
    const subjects = object['subjects'] as { kind?: string; namespace?: string }[] | undefined;
    if (options.namespace && subjects?.some((subject) => subject.kind === 'ServiceAccount' && subject.namespace === original)) {
      return { ...object, subjects: subjects.map((subject) => (subject.kind === 'ServiceAccount' && subject.namespace === original ? { ...subject, namespace: options.namespace } : subject)) };
    }
    return object;
  });
}
