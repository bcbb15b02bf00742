/** A small SVG line of the last values (no axes): the trend at a glance, the current value beside it in text. */
export function Sparkline({ values, max, label }: { values: readonly number[]; max: number; label: string }) {
  const w = 160;
  const h = 32;
  const top = Math.max(max, ...values, 1e-9);
  const step = values.length > 1 ? w / (values.length - 1) : w;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - (v / top) * (h - 2) - 1).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
