import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  apiErrorFromResponse,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidError,
  isConflictError,
  isKubeApiError,
  isNotFoundError,
  KubeApiError,
  NotFoundError,
  ServerError,
  TimeoutError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../client/errors.js';
import { isWeftError } from '../errors.js';

const target = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' };
const fail = (code: number, reason?: string, extra: object = {}) => apiErrorFromResponse({ verb: 'apply', target, code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: 'it failed', ...extra } });

describe('apiErrorFromResponse', () => {
  it('maps each StatusReason to its class, reason first', () => {
    expect(fail(404, 'NotFound')).toBeInstanceOf(NotFoundError);
    expect(fail(409, 'AlreadyExists')).toBeInstanceOf(AlreadyExistsError);
    expect(fail(409, 'Conflict')).toBeInstanceOf(ConflictError);
    expect(fail(422, 'Invalid')).toBeInstanceOf(InvalidError);
    expect(fail(410, 'Expired')).toBeInstanceOf(GoneError);
    expect(fail(410, 'Gone')).toBeInstanceOf(GoneError);
    expect(fail(403, 'Forbidden')).toBeInstanceOf(ForbiddenError);
    expect(fail(401, 'Unauthorized')).toBeInstanceOf(UnauthorizedError);
    expect(fail(429, 'TooManyRequests')).toBeInstanceOf(TooManyRequestsError);
    expect(fail(504, 'Timeout')).toBeInstanceOf(TimeoutError);
    expect(fail(500, 'ServerTimeout')).toBeInstanceOf(TimeoutError);
    expect(fail(400, 'BadRequest')).toBeInstanceOf(BadRequestError);
    expect(fail(503, 'ServiceUnavailable')).toBeInstanceOf(ServerError);
    expect(fail(500, 'InternalError')).toBeInstanceOf(ServerError);
  });

  it('falls back to the code when the body is no Status, keeping the text', () => {
    const error = apiErrorFromResponse({ verb: 'get', target, code: 502, body: 'bad gateway\n' });
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe('Deployment/prod/web get failed: bad gateway');
    const unknown = apiErrorFromResponse({ verb: 'get', target, code: 415, body: undefined });
    expect(unknown.constructor).toBe(KubeApiError);
    expect(unknown.message).toBe('Deployment/prod/web get failed: HTTP 415');
    expect(unknown.retryable).toBe(false);
  });

  it('names the object and keeps the Status', () => {
    const error = fail(404, 'NotFound', { details: { name: 'web', group: 'apps', kind: 'deployments' } });
    expect(error.message).toBe('Deployment/prod/web apply failed: it failed');
    expect(error.object).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' });
    expect(error.status?.details?.kind).toBe('deployments');
    expect(isWeftError(error)).toBe(true);
    expect(isKubeApiError(error) && isNotFoundError(error) && !isConflictError(error)).toBe(true);
  });

  it('states a retry policy per type', () => {
    expect([fail(409, 'Conflict'), fail(410, 'Expired'), fail(429, 'TooManyRequests'), fail(500), fail(504, 'Timeout')].every((error) => error.retryable)).toBe(true);
    expect([fail(404, 'NotFound'), fail(409, 'AlreadyExists'), fail(422, 'Invalid'), fail(403, 'Forbidden'), fail(401, 'Unauthorized'), fail(400)].some((error) => error.retryable)).toBe(false);
  });

  it('lists invalid fields and field-manager conflicts', () => {
    const invalid = fail(422, 'Invalid', { details: { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' }] } }) as InvalidError;
    expect(invalid.fields).toEqual([{ field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' }]);
    const conflict = fail(409, 'Conflict', {
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] },
    }) as ConflictError;
    expect(conflict.fieldManagerConflicts).toEqual([{ manager: 'kubectl-client-side-apply', field: '.spec.replicas' }]);
  });

  it('names a collection when no object is named', () => {
    const error = apiErrorFromResponse({ verb: 'list', target: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod' }, code: 403, body: { kind: 'Status', reason: 'Forbidden', message: 'no' } });
    expect(error.message).toBe('ConfigMap/prod list failed: no');
    expect(error.object).toBeUndefined();
  });
});
