import { describe, expect, it } from 'vitest';
import { formatDuration, InvalidDurationError, parseDuration } from '../duration.js';

describe('parseDuration', () => {
  it.each([
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['1.5s', 1500],
    ['0', 0],
    ['10m', 600_000],
    ['1h2m3s4ms', 3_723_004],
    [250, 250],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '1x', 'm', '1m 30s', '-1s', '1s-'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
  });
});

describe('formatDuration', () => {
  it.each([
    [90_000, '1m30s'],
    [0, '0s'],
    [500, '500ms'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
