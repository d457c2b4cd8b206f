import { GitRepositoryKind } from '@weft/git-source';
import { stringify } from 'yaml';
import { KustomizationKind } from './kustomization.js';

/** Where `deploy/crds.yaml` comes from: the two CRDs as `defineResource` builds them. */
export const gitOpsCrds = [GitRepositoryKind.crd, KustomizationKind.crd] as const;

/**
 * The text of `deploy/crds.yaml`: both CRDs as a YAML stream, with a header saying how to
 * regenerate it (`pnpm --filter @weft/example-gitops-operator deploy:crds`).
 *
 * @example
 * ```ts
 * await writeFile('deploy/crds.yaml', renderCrdsYaml());
 * ```
 */
export function renderCrdsYaml(): string {
  const header = '# Generated from src/kustomization.ts and @weft/git-source by `pnpm deploy:crds`; do not edit.\n';
  return header + gitOpsCrds.map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`).join('');
}
