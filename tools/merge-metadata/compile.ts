// The generator compiles with the package's own OpenAPI reader, so the data file and
// MergeSchemaRegistry.withOpenApi() read schemas the same way.
export { compileOpenApiDocuments } from '../../packages/merge/src/openapi.ts';
export type { SchemaDefinitions as SchemaFile } from '../../packages/merge/src/schema.ts';
