/** The schema pieces the three image resources share. */

/** `status.latestRef`, `observedPreviousRef`, `observedPolicies[*]`: an {@link ImageRef}. */
export const imageRefSchema = {
  type: 'object',
  required: ['name', 'tag'],
  properties: { name: { type: 'string' }, tag: { type: 'string' }, digest: { type: 'string' } },
} as const;

/** A reference to an object of the same namespace. */
export const localRefSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } as const;

/** A Go duration, as Flux's CRDs validate `interval`. */
export const intervalSchema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' } as const;

/** The `Ready` and `Status` printer columns every Flux resource shows. */
export const readyColumns = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
] as const;
