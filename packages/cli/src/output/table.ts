/** A cell: its text, and how to colour it once padded (so escape codes never count as width). */
export type Cell = string | { readonly text: string; readonly paint: (text: string) => string };

/** Rows as `kubectl get` prints them: upper-case headers, columns padded to their widest cell plus three spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const text = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => text(row[column] ?? '').length)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? text(cell) : text(cell).padEnd(widths[column]! + 3);
        return typeof cell === 'string' ? padded : cell.paint(text(cell)) + padded.slice(text(cell).length);
      })
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A Kubernetes age, as kubectl shows it: `45s`, `12m`, `3h`, `3d4h`, `40d`. */
export function formatAge(since: string | Date | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - (since instanceof Date ? since.getTime() : Date.parse(since))) / 1000));
  if (!Number.isFinite(seconds)) return '<unknown>';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  return days < 8 && hours % 24 ? `${days}d${hours % 24}h` : `${days}d`;
}
