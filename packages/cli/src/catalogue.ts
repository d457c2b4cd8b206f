import { UsageError } from './errors.js';

/** One resource Weft defines, as the command line needs it: names, scope, and what it supports. */
export interface KindInfo {
  /** `group/version`. */
  readonly apiVersion: string;
  /** `Kustomization`. */
  readonly kind: string;
  /** `kustomizations`. */
  readonly plural: string;
  /** `kustomization`. */
  readonly singular: string;
  /** `ks`. */
  readonly shortNames: readonly string[];
  /** Whether objects of the kind live in a namespace. */
  readonly namespaced: boolean;
  /** The package that exports it (`@weft/delivery`). */
  readonly from: string;
  /**
   * The property names of `spec` and `status` in its schema, enough for `@weft/delivery`'s
   * operations to tell whether the kind takes reconcile requests and suspension.
   */
  readonly schema: { readonly type: 'object'; readonly properties: Readonly<Record<string, { readonly properties: Readonly<Record<string, object>> }>> };
}

/** The packages whose exported resource definitions the command covers. */
export const kindPackages = ['@weft/git-source', '@weft/delivery', '@weft/image-automation', '@weft/progressive'] as const;

/**
 * The resource definitions among a package's exports: `defineResource` results (they carry their
 * CRD) in a `weft.dev` group.
 */
export function kindsOf(from: string, exports: Readonly<Record<string, unknown>>): KindInfo[] {
  const kinds: KindInfo[] = [];
  for (const value of Object.values(exports)) {
    const candidate = value as { apiVersion?: unknown; kind?: unknown; plural?: unknown; namespaced?: unknown; crd?: { spec?: { names?: { singular?: string; shortNames?: string[] } } }; schema?: unknown } | null;
    if (!candidate || typeof candidate !== 'object' || typeof candidate.apiVersion !== 'string' || typeof candidate.kind !== 'string' || typeof candidate.plural !== 'string' || !candidate.crd) continue;
    if (!/^[^/]*weft\.dev\//.test(candidate.apiVersion)) continue;
    const names = candidate.crd.spec?.names ?? {};
    kinds.push({
      apiVersion: candidate.apiVersion,
      kind: candidate.kind,
      plural: candidate.plural,
      singular: names.singular ?? candidate.kind.toLowerCase(),
      shortNames: names.shortNames ?? [],
      namespaced: candidate.namespaced === true,
      from,
      schema: skeletonOf(candidate.schema),
    });
  }
  return kinds;
}

function skeletonOf(schema: unknown): KindInfo['schema'] {
  const properties = (schema as { properties?: Record<string, { properties?: Record<string, unknown> }> } | undefined)?.properties ?? {};
  const skeleton: Record<string, { properties: Record<string, object> }> = {};
  for (const part of ['spec', 'status']) {
    const fields = properties[part]?.properties;
    if (fields) skeleton[part] = { properties: Object.fromEntries(Object.keys(fields).map((name) => [name, {}])) };
  }
  return { type: 'object', properties: skeleton };
}

declare const __WEFT_KIND_CATALOGUE__: readonly KindInfo[] | undefined;

/**
 * Every resource Weft defines. The bundled `weft` binary carries the list, made at build time from
 * the packages' exports (loading them costs more than a whole `weft get`); run from source, the
 * packages are imported.
 */
export async function kindCatalogue(): Promise<readonly KindInfo[]> {
  if (typeof __WEFT_KIND_CATALOGUE__ !== 'undefined') return __WEFT_KIND_CATALOGUE__;
  const [gitSource, delivery, imageAutomation, progressive] = await Promise.all([
    import('@weft/git-source'),
    import('@weft/delivery'),
    import('@weft/image-automation'),
    import('@weft/progressive'),
  ]);
  return [
    ...kindsOf('@weft/git-source', gitSource),
    ...kindsOf('@weft/delivery', delivery),
    ...kindsOf('@weft/image-automation', imageAutomation),
    ...kindsOf('@weft/progressive', progressive),
  ];
}

/** Flux's two-word spellings (`flux get sources git`, `flux reconcile source git`), by kind. */
const fluxPhrases: Readonly<Record<string, readonly string[]>> = {
  GitRepository: ['source git', 'sources git'],
  ImageRepository: ['image repository', 'images repository'],
  ImagePolicy: ['image policy', 'images policy'],
  ImageUpdateAutomation: ['image update', 'images update'],
};

/** Every name a kind answers to, lower case: kind, singular, plural, short names, and Flux's phrases. */
export function namesOf(kind: KindInfo): string[] {
  return [kind.kind.toLowerCase(), kind.singular, kind.plural, ...kind.shortNames, ...(fluxPhrases[kind.kind] ?? [])];
}

/**
 * The kind named by the first one or two arguments (`ks`, `kustomizations`, `source git`), and how
 * many arguments that took; `all` is every kind.
 *
 * @throws {@link UsageError} listing the kinds when none matches.
 */
export function resolveKind(catalogue: readonly KindInfo[], args: readonly string[], options: { allowAll?: boolean } = {}): { kinds: readonly KindInfo[]; consumed: number } {
  const first = args[0]?.toLowerCase();
  if (first === undefined) throw new UsageError(`name a kind: ${catalogue.map((kind) => kind.plural).join(', ')}${options.allowAll ? ', or all' : ''}`, 2);
  if (options.allowAll && first === 'all') return { kinds: catalogue, consumed: 1 };
  const second = args[1]?.toLowerCase();
  if (second !== undefined) {
    const phrase = `${first} ${second}`;
    const byPhrase = catalogue.find((kind) => namesOf(kind).includes(phrase));
    if (byPhrase) return { kinds: [byPhrase], consumed: 2 };
  }
  // `kustomizations.kustomize.weft.dev`, as kubectl takes it.
  const dotted = catalogue.find((kind) => `${kind.plural}.${kind.apiVersion.split('/')[0]}` === first);
  const found = dotted ?? catalogue.find((kind) => namesOf(kind).includes(first));
  if (!found) throw new UsageError(`unknown kind "${args[0]}": Weft's kinds are ${catalogue.map((kind) => `${kind.plural} (${[kind.singular, ...kind.shortNames].join(', ')})`).join(', ')}`, 2);
  return { kinds: [found], consumed: 1 };
}
