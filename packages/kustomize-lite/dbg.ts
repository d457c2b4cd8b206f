import { build, memoryFs, toYamlStream } from './src/index.ts';
import { loadConformanceCases } from './src/__tests__/conformance-cases.ts';
const name = process.argv[2];
const c = loadConformanceCases(process.argv[3] === 'e' ? 'errors' : 'cases').find((x) => x.name === name)!;
for (const [k, v] of Object.entries(c.files)) console.log('### ' + k + '\n' + Buffer.from(v).toString());
console.log('### EXPECTED\n' + c.expectedYaml);
try { console.log('### GOT\n' + toYamlStream(await build(c.buildDir, { fs: memoryFs(c.files), reorder: c.reorder, loadRestrictor: c.loadRestrictor }))); } catch (e) { console.log('ERROR', e); }
