import type { OutputStream } from '../io.js';

/** Colours for one stream: on for a terminal, off otherwise, `NO_COLOR` and `FORCE_COLOR` honoured. */
export interface Style {
  readonly enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** The style for a stream: colour only on a terminal (or with `FORCE_COLOR`), never with `NO_COLOR` or `TERM=dumb`. */
export function styleFor(stream: OutputStream, env: Readonly<Record<string, string | undefined>>): Style {
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  const enabled = forced || (stream.isTTY === true && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb');
  const paint = (open: number, close: number) => (text: string) => (enabled && text ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { enabled, green: paint(32, 39), red: paint(31, 39), yellow: paint(33, 39), dim: paint(2, 22), bold: paint(1, 22) };
}

/** The Ready status coloured: True green, False red, anything else yellow. */
export function readyColour(style: Style, status: string): string {
  return status === 'True' ? style.green(status) : status === 'False' ? style.red(status) : style.yellow(status);
}
