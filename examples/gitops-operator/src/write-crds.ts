/** Writes `deploy/crds.yaml` from the resource definitions (`pnpm deploy:crds`); a unit test checks they stay in sync. */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderCrdsYaml } from './crd-manifests.js';

const target = fileURLToPath(new URL('../deploy/crds.yaml', import.meta.url));
await writeFile(target, renderCrdsYaml());
process.stdout.write(`wrote ${target}\n`);
