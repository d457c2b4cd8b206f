import { gitOpsCrds } from '@weft/delivery';
import { stringify } from 'yaml';

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
  const header = '# Generated from @weft/delivery (gitOpsCrds) by `pnpm deploy:crds`; do not edit.\n';
  return header + gitOpsCrds.map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`).join('');
}
