/** One line of `berth doctor`'s checklist: holds (✓), fails (✗, with how to fix it), or could not be checked (–). */
export interface Check {
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** What was found. */
  readonly detail: string;
  /** What to do about a failure. */
  readonly fix?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
export const failed = (name: string, detail: string, fix: string): Check => ({ name, status: 'failed', detail, fix });
export const skipped = (name: string, detail: string): Check => ({ name, status: 'skipped', detail });
