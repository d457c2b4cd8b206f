import { conditionsSchema, defineResource, type ObjectOf } from '@weft/reconcile-core';

/**
 * `Greeting` (`hello.weft.dev/v1`): one JSON Schema gives the TypeScript type, the CRD manifest
 * (`GreetingKind.crd`) and a validator (`GreetingKind.validate`).
 *
 * Optional fields have no schema `default`: a default makes the field required in the derived
 * type, so every object written in TypeScript would have to spell it out. The reconciler applies
 * the defaults instead.
 *
 * A Greeting asks for a ConfigMap holding its message, e.g. `greeting: Hello, world!`.
 */
export const GreetingKind = defineResource({
  group: 'hello.weft.dev',
  version: 'v1',
  kind: 'Greeting',
  shortNames: ['greet'],
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['name'],
        properties: {
          /** Who to greet. */
          name: { type: 'string', minLength: 1 },
          /** The greeting word; `Hello` when absent. */
          salutation: { type: 'string', minLength: 1 },
          /** The ConfigMap to write; default: the Greeting's own name. */
          configMapName: { type: 'string', minLength: 1 },
          /** How often to check the ConfigMap again even when nothing changed (a Go duration); `10m` when absent. */
          interval: { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer' },
          /** The ConfigMap written, `namespace/name`. */
          configMap: { type: 'string' },
          /** The greeting as last written. */
          greeting: { type: 'string' },
          conditions: conditionsSchema,
        },
      },
    },
  },
} as const);

/** A `Greeting` object, typed from the schema above. */
export type Greeting = ObjectOf<typeof GreetingKind>;

/** The text a Greeting asks for. */
export function greetingText(greeting: Greeting): string {
  return `${greeting.spec?.salutation ?? 'Hello'}, ${greeting.spec?.name ?? 'world'}!`;
}

/** The name of the ConfigMap a Greeting owns. */
export function configMapNameOf(greeting: Greeting): string {
  return greeting.spec?.configMapName ?? greeting.metadata.name!;
}
