/** A build in progress (running or queued), as the appliance records it for ownership and quotas. */
export interface RunningBuild {
  /** Whose image it makes: the caller's, or on a rebuild the image's existing owner (a rebuild keeps the owner). */
  readonly owner: string;
  readonly ownerRole: string;
  /** The owner of the caller who started it: its builds quota counts this build. */
  readonly runner: string;
}

/**
 * The builds in progress by name. An entry is made in the same synchronous step that checks the quota and the name, and
 * removed only after the builder is done with the name, so it is always a superset of the builder's own jobs.
 */
export class RunningBuilds {
  private readonly byName = new Map<string, RunningBuild>();

  get(name: string): RunningBuild | undefined {
    return this.byName.get(name);
  }

  /** Builds in progress that `runner` started. */
  countBy(runner: string): number {
    let n = 0;
    for (const b of this.byName.values()) if (b.runner === runner) n++;
    return n;
  }

  /** Record a build; returns its end (idempotent). */
  start(name: string, build: RunningBuild): () => void {
    this.byName.set(name, build);
    return () => {
      if (this.byName.get(name) === build) this.byName.delete(name);
    };
  }
}
