import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebViewExposureError, checkExposure, checkRequest, isLoopbackHost } from '../security.js';

const request = (headers: Record<string, string>, method = 'GET') => ({ method, headers }) as unknown as IncomingMessage;

describe('exposure', () => {
  it('knows loopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '127.0.0.1.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses to listen beyond loopback without a token or an auth proxy', () => {
    expect(() => checkExposure('0.0.0.0', {})).toThrow(WebViewExposureError);
    expect(() => checkExposure('0.0.0.0', { token: 't' })).not.toThrow();
    expect(() => checkExposure('0.0.0.0', { authProxy: {} })).not.toThrow();
    expect(() => checkExposure('127.0.0.1', {})).not.toThrow();
  });
});

describe('checkRequest', () => {
  it('asks the API for the bearer token, compared whole', () => {
    const access = { token: 's3cret' };
    expect(checkRequest(request({ host: 'view.example' }), access, { api: true })?.status).toBe(401);
    expect(checkRequest(request({ host: 'view.example', authorization: 'Bearer s3cre' }), access, { api: true })?.status).toBe(401);
    expect(checkRequest(request({ host: 'view.example', authorization: 'Bearer s3cret' }), access, { api: true })).toBeUndefined();
    // The page's own files are public bytes.
    expect(checkRequest(request({ host: 'view.example' }), access, { api: false })).toBeUndefined();
  });

  it('behind an auth proxy, needs the header it sets', () => {
    const access = { authProxy: { userHeader: 'X-Auth-Request-User' } };
    expect(checkRequest(request({ host: 'view.example' }), access, { api: true })?.status).toBe(401);
    expect(checkRequest(request({ host: 'view.example', 'x-auth-request-user': 'ada' }), access, { api: true })).toBeUndefined();
  });

  it('without authentication, answers only a loopback Host (no DNS rebinding)', () => {
    expect(checkRequest(request({ host: '127.0.0.1:9090' }), {}, { api: true })).toBeUndefined();
    expect(checkRequest(request({ host: 'localhost:9090' }), {}, { api: false })).toBeUndefined();
    expect(checkRequest(request({ host: '[::1]:9090' }), {}, { api: true })).toBeUndefined();
    expect(checkRequest(request({ host: 'attacker.example:9090' }), {}, { api: true })?.status).toBe(421);
    expect(checkRequest(request({ host: 'attacker.example:9090' }), {}, { api: false })?.status).toBe(421);
  });

  it('takes writes only same-origin with a JSON body', () => {
    const write = (headers: Record<string, string>) => checkRequest(request({ host: '127.0.0.1:9090', ...headers }, 'POST'), {}, { api: true });
    expect(write({ 'content-type': 'application/json' })).toBeUndefined();
    expect(write({ 'content-type': 'application/json', origin: 'http://127.0.0.1:9090' })).toBeUndefined();
    expect(write({ 'content-type': 'application/json', origin: 'http://evil.example' })?.status).toBe(403);
    expect(write({ 'content-type': 'application/json', origin: 'null' })?.status).toBe(403);
    expect(write({ 'content-type': 'application/x-www-form-urlencoded' })?.status).toBe(403);
  });
});
