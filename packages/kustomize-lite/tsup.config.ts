import { packageBuild } from '../../tools/tsup.package';

// The library (ESM + CJS with types) and the weft-kustomize executable (ESM, no types).
export default [
  packageBuild(),
  packageBuild({ entry: { 'weft-kustomize': 'src/bin.ts' }, format: ['esm'], dts: false, clean: false, sourcemap: false }),
];
