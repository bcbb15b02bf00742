import type { Engine, ImageRecord } from '../engine/engine.js';
import { BerthError, ERRORS, failures, isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { resolveBase, missingBase } from './bases.js';
import { buildAndTag, type BuildAndTagOptions, type BuildOptions, type Built } from './build-and-tag.js';
import { BuildCheckout } from './build-checkout.js';
import type { BasesConfig, BuildConfig } from './build-config.js';
import { buildNetwork } from './build-network.js';
import { buildOutput, type Emit } from './build-output.js';
import { buildRoot } from './build-root.js';
import { BuildSlots } from './build-slots.js';
import { parseBuildUrl } from './build-url.js';
import { LeftoverSweep } from './leftover-sweep.js';
import { phaseClock, type Phases } from './phase-clock.js';
import { pruneReleases } from './prune-releases.js';
import type { RegistryReleases } from './registry-releases.js';
import { resolveHost } from './resolve-host.js';
import { readRunfile } from './runfile.js';
import { throwIfAborted } from './throw-if-aborted.js';

export type { BuildOptions } from './build-and-tag.js';
export { buildNetworkName } from './build-network.js';

export interface BuilderOptions {
  readonly engine: Engine;
  readonly domain: string;
  readonly bases: BasesConfig;
  readonly config: BuildConfig;
  readonly log: Logger;
  /** Who owns the Run.yaml volume directories in the image: sandbox.user, the user containers run as. */
  readonly volumeOwner: string;
  /** Config `registry`: every build is pushed there; absent, builds stay on the engine. */
  readonly registry?: RegistryReleases;
  /** Told of every build that ends (metrics): `ok` or the error URI, seconds taken (queue and clone included). */
  readonly onFinished?: (outcome: string, seconds: number) => void;
}

export interface BuildResult extends Built {
  readonly lines: string[];
}

/** cancelBuild answers once the build has cleaned up, or after this long (the cleanup then goes on; the name stays busy). */
const CANCEL_ANSWER_MS = 750;

interface Job {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Git URL → tagged image, one build per name at a time, at most build.concurrency at once. Knows nothing of WAMP:
 * output lines go to the caller's `onLine`.
 */
export class Builder {
  private readonly jobs = new Map<string, Job>();
  private readonly slots: BuildSlots;
  private readonly buildNetwork: () => Promise<string>;
  private readonly sweep: LeftoverSweep;
  private readonly tagging: BuildAndTagOptions;

  constructor(private readonly o: BuilderOptions) {
    this.slots = new BuildSlots(o.config.concurrency);
    this.buildNetwork = buildNetwork(o.engine, o.domain);
    this.sweep = new LeftoverSweep(o.engine, o.domain, o.log, () => this.jobs.size > 0);
    this.tagging = { ...o, repository: this.repository };
  }

  /** The repository every built image is tagged in: `berth/<domain>:<name>`. */
  get repository(): string {
    return `berth/${this.o.domain}`;
  }

  /** The registry every build is pushed to (config `registry`), if one is configured. */
  get registry(): RegistryReleases | undefined {
    return this.o.registry;
  }

  isBuilding(name: string): boolean {
    return this.jobs.has(name);
  }

  /** `options.labels` go on the image besides berth's own (the owner). */
  async build(name: string, rawUrl: string, onLine: (line: string) => void, options: BuildOptions = {}): Promise<BuildResult> {
    if (this.jobs.has(name)) throw failures.buildBusy(name, this.o.domain);
    const controller = new AbortController();
    let finish!: () => void;
    this.jobs.set(name, { controller, done: new Promise((r) => (finish = r)) });
    const { emit, kept } = buildOutput(name, this.o.config.maxOutputBytes, controller, onLine);
    const started = Date.now();
    // Where a build's time goes, per phase (ms), in its log line: what to look at when a rebuild is slow.
    const phases: Phases = {};
    try {
      const { imageId, release, identical } = await this.run(name, rawUrl, emit, controller, options, phases);
      this.o.log.info({ name, image: imageId, release, identical, ms: Date.now() - started, phases }, 'build succeeded');
      this.o.onFinished?.('ok', (Date.now() - started) / 1000);
      return { imageId, release, identical, lines: kept.lines() };
    } catch (err) {
      this.o.log.warn({ name, error: isBerthError(err) ? err.uri : String(err), message: (err as Error).message, ms: Date.now() - started }, 'build failed');
      this.o.onFinished?.(isBerthError(err) ? err.uri : ERRORS.internal.uri, (Date.now() - started) / 1000);
      this.sweep.wanted = true;
      throw err;
    } finally {
      this.jobs.delete(name);
      finish();
      if (this.sweep.wanted && this.jobs.size === 0) this.sweep.schedule();
    }
  }

  /**
   * Stop a running or queued build: the clone is killed or the engine build aborted at once. Resolves when the build has
   * cleaned up or after CANCEL_ANSWER_MS, whichever is first (removing step images can take the engine seconds).
   * False when no build of that name runs.
   */
  async cancel(name: string, waitMs = CANCEL_ANSWER_MS): Promise<boolean> {
    const job = this.jobs.get(name);
    if (!job) return false;
    job.controller.abort(new BerthError('canceled', `the build of "${name}" was canceled`, { name }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([job.done, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    return true;
  }

  /** Cancel every build (berth is stopping) and wait for their cleanup, at most 30 s. */
  async stop(): Promise<void> {
    this.sweep.cancelScheduled();
    await Promise.all([...this.jobs.keys()].map((name) => this.cancel(name, 30_000)));
    await this.sweep.running;
  }

  /** Make an image the name's current release: the tag `berth/<domain>:<name>` moves to it (D/rollback). */
  async makeCurrent(name: string, imageId: string): Promise<void> {
    await this.o.engine.tagImage(imageId, this.repository, name);
  }

  /**
   * Keep the name's current release and its newest build.keepReleases releases; remove each older one that no
   * container (of any domain, any state) uses. Every removal, and every release kept because it is used, is said.
   */
  async pruneReleases(name: string, onLine: (line: string) => void, known?: { images: ImageRecord[]; currentId: string }): Promise<void> {
    await pruneReleases({ ...this.o, keepReleases: this.o.config.keepReleases }, name, onLine, known);
  }

  /** The build's source phase (queue, clone, Run.yaml, engine look-ups), then the engine's part (buildAndTag). */
  private async run(name: string, rawUrl: string, emit: Emit, controller: AbortController, options: BuildOptions, phases: Phases): Promise<Built> {
    const { config } = this.o;
    const mark = phaseClock(phases);
    const { signal } = controller;
    const url = parseBuildUrl(rawUrl);
    const address = await resolveHost(url.host, config.allowPrivateHosts);
    throwIfAborted(signal);
    if (!this.slots.hasFree()) {
      emit(`queued: ${this.slots.active} build(s) running, ${this.slots.queued} waiting (build.concurrency ${config.concurrency})`);
    }
    const release = await this.slots.acquire(signal);
    mark('queue');
    const timer = setTimeout(
      () => controller.abort(new BerthError('build_failed', `the build did not finish within ${config.timeout} s (build.timeout)`, { name })),
      config.timeout * 1000,
    );
    // The checkout is needed until the engine has read the context; removed from then on, beside the tag and pruning.
    const dir = new BuildCheckout(this.o.log);
    try {
      // The build network and the name's releases need nothing from the clone: looked up while git runs.
      const early = Promise.all([this.buildNetwork(), this.o.engine.fetchImages(this.o.domain).then((all) => all.filter((i) => i.name === name))]);
      early.catch(() => undefined);
      const { commit, checkout } = await dir.clone({
        url, address, signal, onLine: emit, onDropped: emit.dropped, timeoutMs: config.cloneTimeout * 1000, maxBytes: config.maxRepoBytes,
      });
      mark('clone');
      throwIfAborted(signal);
      const root = await buildRoot(checkout, url.subdir);
      const runfile = await readRunfile(root);
      const baseRef = resolveBase(runfile.Base, this.o.bases, config.allowAnyBase);
      await this.sweep.running;
      throwIfAborted(signal);
      // Independent engine look-ups at once (a warm rebuild's time is mostly such round trips): the base, and (started
      // before the clone) the build network and the name's releases (the next number, a kept release this build may repeat).
      const [baseId, [network, releases]] = await Promise.all([this.findBase(runfile.Base, baseRef), early]);
      mark('lookups');
      throwIfAborted(signal);
      const removeDir = () => dir.remove();
      return await buildAndTag(this.tagging, name, { url, commit, runfile, baseRef, baseId, root, network, releases, removeDir }, emit, signal, options, mark);
    } finally {
      clearTimeout(timer);
      release();
      dir.remove();
      await dir.removed();
      mark('cleanup');
    }
  }

  /** The base's image ID on this engine. berth never pulls: a missing base is a Run.yaml error saying how to get it. */
  private async findBase(base: string, ref: string): Promise<string> {
    const image = await this.o.engine.fetchImage(ref);
    if (!image) throw missingBase(base, ref);
    return image.id;
  }
}
