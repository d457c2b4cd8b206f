import { describe, expect, it } from 'vitest';
import { computeStatus } from '../lifecycle/kstatus.js';
import {
  getCondition,
  isReady,
  isReconciling,
  isStalled,
  markNotReady,
  markReady,
  markReconciling,
  markStalled,
  removeCondition,
  setCondition,
  type Condition,
} from '../lifecycle/conditions.js';

const t0 = new Date('2026-03-01T10:00:00.123Z');
const t1 = new Date('2026-03-01T10:05:00.456Z');

describe('setCondition', () => {
  it('stamps a new condition with now (seconds precision) and appends it', () => {
    const conditions = setCondition([{ type: 'Other', status: 'True', reason: 'R', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }], { type: 'Ready', status: 'False', reason: 'Failed', message: 'boom', observedGeneration: 2 }, t0);
    expect(conditions.map((condition) => condition.type)).toEqual(['Other', 'Ready']);
    expect(conditions[1]).toEqual({ type: 'Ready', status: 'False', reason: 'Failed', message: 'boom', lastTransitionTime: '2026-03-01T10:00:00Z', observedGeneration: 2 });
  });

  it('keeps lastTransitionTime while the status stays, and moves it when the status changes', () => {
    const first = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: 'one' }, t0);
    const same = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: 'two', observedGeneration: 3 }, t1);
    expect(same[0]).toEqual({ type: 'Ready', status: 'False', reason: 'B', message: 'two', lastTransitionTime: '2026-03-01T10:00:00Z', observedGeneration: 3 });
    const flipped = setCondition(same, { type: 'Ready', status: 'True', reason: 'C' }, t1);
    expect(flipped[0]?.lastTransitionTime).toBe('2026-03-01T10:05:00Z');
    expect(flipped[0]?.message).toBe('');
  });

  it('never changes its input', () => {
    const input: Condition[] = [{ type: 'Ready', status: 'True', reason: 'A', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }];
    const frozen = Object.freeze(input.map((condition) => Object.freeze({ ...condition })));
    setCondition(frozen, { type: 'Ready', status: 'False', reason: 'B' }, t0);
    removeCondition(frozen, 'Ready');
    expect(frozen[0]?.status).toBe('True');
  });

  it('removeCondition takes any number of types', () => {
    const conditions = ['Ready', 'Stalled', 'Reconciling', 'FetchFailed'].map((type): Condition => ({ type, status: 'True', reason: 'R', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }));
    expect(removeCondition(conditions, 'FetchFailed', 'Reconciling').map((condition) => condition.type)).toEqual(['Ready', 'Stalled']);
    expect(removeCondition(conditions)).toEqual(conditions);
  });
});

describe('kstatus helpers', () => {
  const object = (status: ReturnType<typeof markReady> | undefined, generation = 3) => ({ metadata: { generation }, status });

  it('markReconciling: Reconciling=True, Ready=Unknown, Stalled removed, observedGeneration untouched', () => {
    const stalled = markStalled(undefined, { reason: 'Bad', message: 'no', generation: 2, now: t0 });
    const status = markReconciling(stalled, { reason: 'Progressing', message: 'working', generation: 3, now: t1 });
    expect(status.conditions?.map((condition) => `${condition.type}=${condition.status}`)).toEqual(['Ready=Unknown', 'Reconciling=True']);
    expect(status.observedGeneration).toBe(2);
    expect(computeStatus(object(status)).status).toBe('InProgress');
    expect(isReconciling(object(status))).toBe(true);
  });

  it('markReady: Ready=True only, observedGeneration set; Current', () => {
    const status = markReady(markReconciling(undefined, { reason: 'Progressing', now: t0 }), { reason: 'Succeeded', message: 'done', generation: 3, now: t1 });
    expect(status.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'done', lastTransitionTime: '2026-03-01T10:05:00Z', observedGeneration: 3 }]);
    expect(status.observedGeneration).toBe(3);
    expect(isReady(object(status))).toBe(true);
    expect(computeStatus(object(status)).status).toBe('Current');
  });

  it('markStalled: Stalled=True, Ready=False, Reconciling removed; Failed', () => {
    const status = markStalled(markReconciling(undefined, { reason: 'Progressing', now: t0 }), { reason: 'InvalidSpec', message: 'bad path', generation: 3, now: t1 });
    expect(status.conditions?.map((condition) => `${condition.type}=${condition.status}`)).toEqual(['Ready=False', 'Stalled=True']);
    expect(isStalled(object(status))).toBe(true);
    expect(computeStatus(object(status)).status).toBe('Failed');
  });

  it('markNotReady: Ready=False with Reconciling=True ProgressingWithRetry', () => {
    const status = markNotReady(undefined, { reason: 'ApplyFailed', message: 'timeout', generation: 3, now: t0 });
    expect(getCondition(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    expect(getCondition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'ApplyFailed', message: 'timeout' });
    expect(computeStatus(object(status)).status).toBe('InProgress');
  });

  it('does not count a Ready computed for an older generation', () => {
    const status = markReady(undefined, { reason: 'Succeeded', generation: 2, now: t0 });
    expect(isReady(object(status, 2))).toBe(true);
    expect(isReady(object(status, 3))).toBe(false);
    expect(computeStatus(object(status, 3)).status).toBe('InProgress');
  });

  it('reports Terminating while deleting, and Current without conditions', () => {
    expect(computeStatus({ metadata: { generation: 1, deletionTimestamp: '2026-01-01T00:00:00Z' }, status: markReady(undefined, { reason: 'Ok' }) }).status).toBe('Terminating');
    expect(computeStatus({ metadata: { generation: 1 } }).status).toBe('Current');
  });

  it('reads conditions from a list, a status or an object', () => {
    const status = markReady(undefined, { reason: 'Ok', now: t0 });
    expect(getCondition(status.conditions, 'Ready')?.reason).toBe('Ok');
    expect(getCondition(status, 'Ready')?.reason).toBe('Ok');
    expect(getCondition({ status }, 'Ready')?.reason).toBe('Ok');
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
  });
});
