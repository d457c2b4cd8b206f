/**
 * Keeping credentials that users write into repository URLs out of every message, status and log.
 *
 * A user can put a secret in a URL in many ways, most of which URL parsers disagree on: user info
 * (`https://bot:token@host/x.git`), user info with an unencoded `/`, `?`, `#` or `@` in the password
 * (`https://bot:ab/S3cr3t@host/x.git`: WHATWG and Go read `bot` as the host), a token as the user
 * (`https://ghp_…@github.com/…`), a token in the query (`?access_token=…`, `?private_token=…`, an
 * Azure SAS `?sig=…`), a fragment, and scp-like `user:token@host:path`. The rules here do not
 * depend on a parser agreeing: anything before the last `@` of a URL is treated as user info.
 */

/** What stands in for removed text in the ambiguous cases. */
const MASK = '***';

/**
 * `scheme://` of the schemes a repository URL uses (WHATWG also takes backslashes after special
 * schemes). Anything else before `://` may be a user name (`token://…@host:path` is scp-like with
 * a password starting with `//`), so it is not kept.
 */
const SCHEME = /^[\s\u0000-\u001f]*(?:https?|ssh|git|git\+ssh|ssh\+git|file|ftps?):[\\/]{2}/i;

interface UrlParts {
  /** `https://`, or '' for scp-like and schemeless forms. */
  prefix: string;
  /** Everything before the last `@`, or undefined when there is none. */
  userInfo: string | undefined;
  /** Host and path (after any user info), without query and fragment. */
  location: string;
  /** The query without `?`, or undefined. */
  query: string | undefined;
  /** The fragment without `#`, or undefined. */
  fragment: string | undefined;
}

function splitUrl(url: string): UrlParts {
  const scheme = SCHEME.exec(url);
  const prefix = scheme?.[0].trimStart() ?? '';
  let rest = scheme ? url.slice(scheme[0].length) : url;
  const at = rest.lastIndexOf('@');
  const userInfo = at >= 0 ? rest.slice(0, at) : undefined;
  if (at >= 0) rest = rest.slice(at + 1);
  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  return { prefix, userInfo, location: rest, query, fragment };
}

/** Whether the only `@` of a URL is the one that ends a WHATWG-parsed user info. */
function unambiguous(url: string, parts: UrlParts): boolean {
  if (parts.userInfo === undefined) return true;
  if (parts.prefix === '' || /[/\\?#]/.test(parts.userInfo)) return false;
  try {
    const parsed = new URL(url);
    return parsed.host !== '' && parts.location.startsWith(parsed.host) && !parsed.pathname.includes('@') && !parsed.search.includes('@') && !parsed.hash.includes('@');
  } catch {
    return false;
  }
}

function maskQuery(query: string): string {
  return query
    .split(/[&;]/)
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      return equals < 0 ? MASK : `${parameter.slice(0, equals)}=${MASK}`;
    })
    .join('&');
}

/**
 * The URL without credentials, for messages and status: user info removed, query values masked,
 * the fragment dropped.
 *
 * @remarks
 * Never throws and never returns any part of the user info, whatever the input: everything before
 * the last `@` (after `scheme://`, or from the start for scp-like forms) counts as user info. When
 * that `@` is not where a URL parser ends the user info (an unencoded `/`, `?` or `#` in a password,
 * or an `@` in a path), the removed part is shown as `***@`, so the result never looks like a host
 * it is not. Query parameter names stay (`?access_token=***`), their values go.
 *
 * @example
 * ```ts
 * import { redactUrl } from '@weft/git-source';
 * redactUrl('https://bot:token@example.com/app.git'); // 'https://example.com/app.git'
 * redactUrl('https://bot:ab/S3cr3t@example.com/app.git'); // 'https://***@example.com/app.git'
 * redactUrl('https://example.com/app.git?access_token=abc'); // 'https://example.com/app.git?access_token=***'
 * redactUrl('bot:token@example.com:org/app.git'); // 'example.com:org/app.git'
 * ```
 */
export function redactUrl(url: string): string {
  const parts = splitUrl(url);
  let result = parts.prefix;
  if (parts.userInfo !== undefined && parts.prefix !== '' && !unambiguous(url, parts)) result += `${MASK}@`;
  result += parts.location;
  if (parts.query !== undefined) result += `?${maskQuery(parts.query)}`;
  return result;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function encoded(text: string): string {
  try {
    return encodeURI(text);
  } catch {
    // A lone surrogate cannot be encoded, nor can a parser have echoed it encoded.
    return text;
  }
}

/**
 * Secrets shorter than this are only removed as part of the URL, not wherever they appear (a short
 * user name such as `git` is no secret, and masking it everywhere would garble messages). Query
 * values and fragments need more, as they often hold plain words (`?ref=main`).
 */
const MIN_USER_INFO_LENGTH = 4;
const MIN_QUERY_LENGTH = 8;

/**
 * The secrets a URL carries, longest first: its user info, the password and user in it (raw and
 * percent-decoded, and as a URL parser would normalise them), query values and the fragment.
 */
export function secretsOf(url: string): string[] {
  const parts = splitUrl(url);
  const found = new Set<string>();
  const add = (value: string | undefined, minLength = MIN_USER_INFO_LENGTH) => {
    if (value === undefined) return;
    const plain = decoded(value);
    for (const form of [value, plain, value.replace(/[\t\n\r]/g, ''), encoded(value), encoded(plain), encoded(encoded(plain))]) {
      if (form.length >= minLength) found.add(form);
    }
    // A parser may split the value anywhere a URL has structure and echo any of the pieces.
    for (const piece of `${value} ${plain}`.split(/[^A-Za-z0-9._~-]+/)) {
      if (piece.length >= minLength) found.add(piece);
    }
  };
  if (parts.userInfo !== undefined) {
    add(parts.userInfo);
    const colon = parts.userInfo.indexOf(':');
    add(colon < 0 ? parts.userInfo : parts.userInfo.slice(colon + 1));
    if (colon >= 0) add(parts.userInfo.slice(0, colon));
  }
  for (const parameter of parts.query?.split(/[&;]/) ?? []) add(parameter.includes('=') ? parameter.slice(parameter.indexOf('=') + 1) : parameter, MIN_QUERY_LENGTH);
  add(parts.fragment, MIN_QUERY_LENGTH);
  try {
    const parsed = new URL(url);
    add(parsed.username);
    add(parsed.password);
  } catch {
    // Not a WHATWG URL: the textual rules above cover it.
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Removes from a text the URL (in any of the forms it was written or normalised to) and every
 * secret it carries (see {@link redactUrl}), for messages built from lower layers' errors.
 *
 * @example
 * ```ts
 * import { redactSecrets } from '@weft/git-source';
 * redactSecrets('GET https://bot:s3cret@example.com/app.git failed', 'https://bot:s3cret@example.com/app.git');
 * // 'GET https://example.com/app.git failed'
 * ```
 */
export function redactSecrets(text: string, url: string): string {
  let result = text;
  const forms = new Set([url, url.trim()]);
  try {
    forms.add(new URL(url).toString());
  } catch {
    // Only the forms as written.
  }
  const redacted = redactUrl(url);
  for (const form of [...forms].sort((a, b) => b.length - a.length)) if (form !== '') result = result.split(form).join(redacted);
  for (const secret of secretsOf(url)) if (!redacted.includes(secret)) result = result.split(secret).join(MASK);
  return result;
}
