/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export interface AuthChallenge {
  /** Lower-cased: `bearer`, `basic`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` header (RFC 7235): one or more challenges, each a scheme and
 * comma-separated `key=value` or `key="quoted value"` parameters.
 *
 * @example
 * ```ts
 * import { parseWwwAuthenticate } from '@weft/image-automation';
 * parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"')[0]?.params.service;
 * // 'registry.docker.io'
 * ```
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++;
  };
  while (i < header.length) {
    skipSpaces();
    const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(header.slice(i));
    if (!token) break;
    i += token[0].length;
    // `token=` starts a parameter of the current challenge; a bare token starts a new challenge.
    const afterSpaces = header.slice(i).replace(/^[ \t]*/, '');
    if (afterSpaces.startsWith('=') && challenges.length > 0) {
      i = header.length - afterSpaces.length + 1;
      while (header[i] === ' ' || header[i] === '\t') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const bare = /^[^,\s]*/.exec(header.slice(i))![0];
        value = bare;
        i += bare.length;
      }
      challenges[challenges.length - 1]!.params[token[0].toLowerCase()] = value;
      continue;
    }
    challenges.push({ scheme: token[0].toLowerCase(), params: {} });
  }
  return challenges;
}
