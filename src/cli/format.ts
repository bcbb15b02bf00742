const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
/** Made on first use: loading ICU's data for it takes tens of milliseconds, which every command would pay at start. */
let relative: Intl.RelativeTimeFormat | undefined;

/** "3 minutes ago" for an ISO time; "just now" under a second (or a clock slightly ahead); "-" for none. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.floor((now - t) / 1000);
  if (seconds < 1) return 'just now';
  const [unit, size] = UNITS.find(([, s]) => seconds >= s)!;
  relative ??= new Intl.RelativeTimeFormat('en', { numeric: 'always' });
  return relative.format(-Math.floor(seconds / size), unit);
}

/** Bytes in MB (10^6, as `docker images`), one decimal. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The first 12 hex digits of an engine id, without `sha256:`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Seconds with one decimal: "12.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
