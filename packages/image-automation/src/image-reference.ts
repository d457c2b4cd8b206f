import { ImageReferenceError } from './errors.js';

/** Docker Hub as go-containerregistry names it. */
export const DEFAULT_REGISTRY = 'index.docker.io';

/** An image repository name, with the implied parts made explicit (go-containerregistry's `name.Repository`). */
export interface ImageReference {
  /** The name as given, e.g. `alpine` or `127.0.0.1:5000/team/app`. */
  readonly image: string;
  /** `index.docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** `library/alpine`, `team/app`. */
  readonly repository: string;
  /** `registry/repository`: Flux's `status.canonicalImageName`. */
  readonly canonicalName: string;
  /** `http` when `insecure`; otherwise `https`. */
  readonly scheme: 'http' | 'https';
  /**
   * Whether plain HTTP is tried after HTTPS fails: loopback, `localhost` and private (RFC 1918)
   * addresses, as go-containerregistry does.
   */
  readonly httpFallback: boolean;
}

const REPOSITORY_CHARS = /^[a-z0-9_./-]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Parses `spec.image` of an ImageRepository as Flux does: no URL scheme, no tag, Docker Hub
 * names completed (`alpine` → `index.docker.io/library/alpine`).
 *
 * @throws {@link ImageReferenceError} (reason `ImageURLInvalid`) for a name Flux refuses.
 * @example
 * ```ts
 * import { parseImageReference } from '@weft/image-automation';
 * parseImageReference('alpine').canonicalName;                  // 'index.docker.io/library/alpine'
 * parseImageReference('127.0.0.1:5000/team/app').registry;      // '127.0.0.1:5000'
 * ```
 */
export function parseImageReference(image: string, options: { insecure?: boolean } = {}): ImageReference {
  const scheme = image.split('://');
  if (scheme.length > 1) throw new ImageReferenceError(image, `image '${image}' should not include URL scheme; remove '${scheme[0]}://'`);
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  let registry = DEFAULT_REGISTRY;
  let repository = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first === 'docker.io' ? DEFAULT_REGISTRY : first;
      repository = name.slice(slash + 1);
    }
  }
  // Flux lets go-containerregistry parse a reference, then refuses anything after a colon
  // outside the registry part: a tag, or the hex of a digest.
  const imageName = image.startsWith(registry) ? image.slice(registry.length) : image;
  const afterColon = imageName.split(':')[1];
  if (afterColon !== undefined) {
    const tag = repository.includes(':') ? repository.slice(repository.lastIndexOf(':') + 1) : undefined;
    if (tag !== undefined && !TAG.test(tag)) throw new ImageReferenceError(image, `could not parse reference: ${image}`);
    throw new ImageReferenceError(image, `image '${image}' should not include a tag; remove ':${afterColon}'`);
  }
  if (repository.length < 2 || repository.length > 255) throw new ImageReferenceError(image, `repository must be between 2 and 255 characters in length: ${repository}`);
  if (!REPOSITORY_CHARS.test(repository)) throw new ImageReferenceError(image, `repository can only contain the characters \`abcdefghijklmnopqrstuvwxyz0123456789_-./\`: ${repository}`);
  if (registry !== DEFAULT_REGISTRY && !/^[A-Za-z0-9.-]+(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/.test(registry)) throw new ImageReferenceError(image, `registries must be valid RFC 3986 URI authorities: ${registry}`);
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  return {
    image,
    registry,
    repository,
    canonicalName: `${registry}/${repository}`,
    scheme: options.insecure ? 'http' : 'https',
    httpFallback: !options.insecure && isLocalRegistry(registry),
  };
}

function isLocalRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1') return true;
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) return false;
  const [a, b] = octets as [number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
