/** Writes the CRD files of deploy/ from the resource definitions (`pnpm deploy:crds`); a unit test checks they stay in sync. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { crdFiles, renderCrdsYaml } from './crd-manifests.js';

for (const file of crdFiles) {
  const target = fileURLToPath(new URL(`../deploy/${file.file}`, import.meta.url));
  await writeFile(target, await renderCrdsYaml(file));
  process.stdout.write(`wrote ${target}\n`);
}
