import { failures } from '../errors.js';

/**
 * Quota places held by calls still in flight, per owner, by the name each one makes. A check and its hold happen in one
 * synchronous step, so two concurrent creates of one owner can never both pass the last free place: the second sees
 * the first's hold. A name counts once: a create in flight whose item already shows among the owner's items (the
 * engine reported it before the create answered) is not counted twice.
 */
export class OwnerReservations {
  private readonly held = new Map<string, Set<string>>();

  /**
   * Hold a place of `owner` for `name` if the owner's items (`owned`, by name) and its holds together stay under `limit`;
   * else quota_exceeded. Returns the release (idempotent); call it once the item exists (or failed).
   */
  take(owner: string, name: string, owned: Iterable<string>, limit: number, what: 'containers' | 'builds' | 'replicas'): () => void {
    const held = this.held.get(owner) ?? new Set<string>();
    const used = new Set([...owned, ...held]);
    if (used.size >= limit) throw failures.quotaExceeded(what, owner, limit);
    held.add(name);
    this.held.set(owner, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.delete(name);
      if (held.size === 0 && this.held.get(owner) === held) this.held.delete(owner);
    };
  }
}
