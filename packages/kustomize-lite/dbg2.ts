import { commonLabelFieldSpecs } from './src/field-spec.ts';
console.log(commonLabelFieldSpecs.filter(s => s.path.startsWith('metadata')));
