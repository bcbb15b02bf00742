/** A cell: its text, and how to paint it (after padding, so that escape codes never shift a column). */
export type Cell = string | { text: string; paint: (s: string) => string };

const GAP = '   ';

/**
 * Columns aligned as `docker ps` prints them: a header row, cells padded to the widest, three spaces apart, no borders,
 * so that `grep`, `awk '{print $1}'` and a person all read them. (cli-table3 draws boxes and would need options to undo
 * them; this is the whole of what the commands need.)
 */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = (c: Cell) => (typeof c === 'string' ? c : c.text);
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(text(r[i] ?? '')))));
  const line = (cells: Cell[]) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? text(c) : text(c) + ' '.repeat(widths[i]! - width(text(c)));
        return typeof c === 'string' ? padded : c.paint(padded);
      })
      .join(GAP)
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Columns a string takes on a terminal (code points; the commands print no wide characters of their own). */
function width(s: string): number {
  return [...s].length;
}
