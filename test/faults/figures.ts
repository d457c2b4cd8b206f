import { afterAll } from 'vitest';

/** One measured figure of a fault case. */
export interface Figure {
  readonly fault: string;
  readonly figure: string;
  readonly value: string;
  readonly bound: string;
}

/**
 * Collects the figures of one fault suite and prints them as a table after its cases, so the test
 * output (and CI's log) shows what each fault cost.
 */
export function faultFigures(suite: string): (figure: Figure) => void {
  const rows: Figure[] = [];
  afterAll(() => {
    if (rows.length === 0) return;
    const header: Figure = { fault: 'fault', figure: 'figure', value: 'value', bound: 'bound' };
    const widths = (['fault', 'figure', 'value', 'bound'] as const).map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
    const line = (row: Figure) => `| ${(['fault', 'figure', 'value', 'bound'] as const).map((key, i) => row[key].padEnd(widths[i]!)).join(' | ')} |`;
    const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
    console.log([`[faults] ${suite}`, line(header), rule, ...rows.map(line)].join('\n'));
  });
  return (figure) => rows.push(figure);
}
