/** Where a build's time goes: ms per phase. */
export type Phases = Record<string, number>;

/** `mark(phase)` records the ms since the previous mark (or since the clock was made) under `phase`. */
export function phaseClock(phases: Phases): (phase: string) => void {
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    phases[phase] = Math.round((phases[phase] ?? 0) + now - last);
    last = now;
  };
}
