/**
 * RFC 6901 JSON pointers: parse, read and remove, on plain JSON values.
 */

/** Splits a JSON pointer into unescaped tokens (`/metadata/labels/app.kubernetes.io~1name`). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Builds a JSON pointer from tokens, escaping `~` and `/`. */
export function formatJsonPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Removes what the pointer names from `root` (in place); a missing path is a no-op. */
export function removeAtPointer(root: unknown, tokens: readonly string[]): void {
  if (tokens.length === 0) return;
  let node: unknown = root;
  for (const token of tokens.slice(0, -1)) {
    node = child(node, token);
    if (node === undefined) return;
  }
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (Number.isInteger(index) && index >= 0 && index < node.length) node.splice(index, 1);
  } else if (isRecord(node)) {
    delete node[last];
  }
}

function child(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const index = Number(token);
    return Number.isInteger(index) ? node[index] : undefined;
  }
  return isRecord(node) ? node[token] : undefined;
}

/** Whether a value is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
