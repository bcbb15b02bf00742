import { failures } from '../errors.js';

/**
 * Quota places held by calls still in flight, per owner. A check and its hold happen in one synchronous step, so two
 * concurrent creates of one owner can never both pass the last free place: the second sees the first's hold.
 */
export class OwnerReservations {
  private readonly held = new Map<string, number>();

  /**
   * Hold one place of `owner` if `used` (what it has now) plus what it holds stays under `limit`; else
   * quota_exceeded. Returns the release (idempotent); call it once the item exists (or failed).
   */
  take(owner: string, used: number, limit: number, what: 'containers' | 'builds'): () => void {
    const held = this.held.get(owner) ?? 0;
    if (used + held >= limit) throw failures.quotaExceeded(what, owner, limit);
    this.held.set(owner, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(owner) ?? 1) - 1;
      if (left > 0) this.held.set(owner, left);
      else this.held.delete(owner);
    };
  }
}
