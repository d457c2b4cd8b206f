import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions } from '../cli-options.js';

describe('the web view flags', () => {
  it('serve read-only on loopback unless told otherwise', () => {
    expect(parseCliOptions(['--ui-port', '0'], {}).ui).toEqual({ port: 0, host: '127.0.0.1', writeActions: false });
    expect(parseCliOptions([], {}).ui).toBeUndefined();
  });

  it('take the token from a file or $WEFT_UI_TOKEN, never from the command line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'weft-ui-')), 'token');
    writeFileSync(file, 's3cret\n');
    expect(parseCliOptions(['--ui-port', '9090', '--ui-token-file', file, '--ui-write-actions'], {}).ui).toEqual({ port: 9090, host: '127.0.0.1', writeActions: true, token: 's3cret' });
    expect(parseCliOptions(['--ui-port', '9090'], { WEFT_UI_TOKEN: 'from-env' }).ui?.token).toBe('from-env');
    expect(() => parseCliOptions(['--ui-port', '9090', '--ui-token', 'x'], {})).toThrow(CliUsageError);
  });

  it('refuse a non-loopback address without a token or an auth proxy', () => {
    expect(() => parseCliOptions(['--ui-port', '9090', '--ui-host', '0.0.0.0'], {})).toThrow(/not loopback/);
    expect(parseCliOptions(['--ui-port', '9090', '--ui-host', '0.0.0.0'], { WEFT_UI_TOKEN: 't' }).ui?.host).toBe('0.0.0.0');
    expect(parseCliOptions(['--ui-port', '9090', '--ui-host', '0.0.0.0', '--ui-auth-proxy', 'x-forwarded-user'], {}).ui?.authProxyHeader).toBe('x-forwarded-user');
  });

  it('need --ui-port for the other --ui flags', () => {
    expect(() => parseCliOptions(['--ui-write-actions'], {})).toThrow(/need --ui-port/);
    expect(() => parseCliOptions(['--ui-port', 'x'], {})).toThrow(/not a port number/);
  });
});
