import { stringify } from 'yaml';
import { type ControllerName, controllerCrds } from './controllers.js';

/** The generated CRD files of deploy/ (relative to it), each with the controllers whose CRDs it holds and the package that defines them. */
export const crdFiles: readonly { readonly file: string; readonly controllers: readonly ControllerName[]; readonly source: string }[] = [
  { file: 'crds.yaml', controllers: ['source', 'kustomize'], source: '@weft/git-source and @weft/delivery' },
  { file: 'components/image-automation/crds.yaml', controllers: ['image'], source: '@weft/image-automation' },
  { file: 'components/progressive/crds.yaml', controllers: ['progressive'], source: '@weft/progressive' },
];

/**
 * The text of one of {@link crdFiles}: its CRDs as a YAML stream, with a header saying how to
 * regenerate it (`pnpm --filter @weft/example-gitops-operator deploy:crds`).
 *
 * @example
 * ```ts
 * await writeFile('deploy/crds.yaml', await renderCrdsYaml(crdFiles[0]!));
 * ```
 */
export async function renderCrdsYaml(file: (typeof crdFiles)[number]): Promise<string> {
  const crds = await controllerCrds(file.controllers);
  const header = `# Generated from ${file.source} by \`pnpm deploy:crds\`; do not edit.\n`;
  return header + crds.map((crd) => `---\n${stringify(crd, { lineWidth: 0 })}`).join('');
}
