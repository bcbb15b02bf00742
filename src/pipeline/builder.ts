import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError, failures, isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import { singleFlight } from '../single-flight.js';
import { missingBase, resolveBase } from './bases.js';
import type { BasesConfig, BuildConfig } from './build-config.js';
import { DOCKERFILE_NAME, packContext } from './build-context.js';
import { buildRoot } from './build-root.js';
import { BuildSlots } from './build-slots.js';
import { parseBuildUrl, type BuildUrl } from './build-url.js';
import { commandArgv, generateDockerfile } from './dockerfile.js';
import { fetchSource } from './git-source.js';
import { resolveHost } from './resolve-host.js';
import { removeBuildLeftovers } from './recover-builds.js';
import { readRunfile, type Runfile } from './runfile.js';
import { currentOf, currentTag, newestFirst, nextRelease, pruneCandidates, releaseOf, sourceDigest } from './releases.js';
import { KeptLines } from './kept-lines.js';
import type { RegistryReleases } from './registry-releases.js';
import { makeBuildDir, removeBuildDir } from './temp-dirs.js';

export interface BuilderOptions {
  readonly engine: Engine;
  readonly domain: string;
  readonly bases: BasesConfig;
  readonly config: BuildConfig;
  readonly log: Logger;
  /** Who owns the Run.yaml volume directories in the image: sandbox.user, the user containers run as (issue 11). */
  readonly volumeOwner: string;
  /** Config `registry` (issue 13): every build is pushed there; absent, builds stay on the engine. */
  readonly registry?: RegistryReleases;
}

export interface BuildOptions {
  readonly nocache?: boolean;
  /** Added to the image's labels (berth's own keys cannot be overridden by them: they are set after). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface BuildResult {
  readonly imageId: string;
  readonly lines: string[];
  /** The release the image is (berth.release). */
  readonly release: number;
  /** An identical rebuild: the image is an existing release, no new release was made. */
  readonly identical: boolean;
}

/** cancelBuild answers once the build has cleaned up, or after this long (the cleanup then goes on; the name stays busy). */
const CANCEL_ANSWER_MS = 750;
/** After a failed build, once no build runs for this long, the domain's untagged build images are swept. */
const SWEEP_AFTER_MS = 2_000;

/** Where a build's output goes: whole lines, and the bytes the line splitter cut off (both count towards the limit). */
type Emit = ((line: string) => void) & { dropped: (bytes: number) => void };

type Built = Omit<BuildResult, 'lines'>;
type Phases = Record<string, number>;

/** `mark(phase)` records the ms since the previous mark (or since the clock was made) under `phase`. */
function phaseClock(phases: Phases): (phase: string) => void {
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    phases[phase] = Math.round((phases[phase] ?? 0) + now - last);
    last = now;
  };
}

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
  /**
   * Concurrent builds share one lookup-or-create of the build network: two creates at once make two networks of one
   * name (the engine's duplicate check is best effort), and the engine then refuses the name as ambiguous.
   */
  private readonly ensureBuildNetwork: () => Promise<string>;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** A build failed since the last sweep. */
  private sweepWanted = false;
  /** A running sweep; a build waits for it before it hands anything to the engine. */
  private sweeping: Promise<unknown> | undefined;

  constructor(private readonly o: BuilderOptions) {
    this.slots = new BuildSlots(o.config.concurrency);
    this.ensureBuildNetwork = singleFlight(() => o.engine.ensureNetwork(buildNetworkName(o.domain), { [LABELS.domain]: o.domain }, true));
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

  /** `options.labels` go on the image besides berth's own (the owner, issue 9). */
  async build(name: string, rawUrl: string, onLine: (line: string) => void, options: BuildOptions = {}): Promise<BuildResult> {
    if (this.jobs.has(name)) throw failures.buildBusy(name, this.o.domain);
    const controller = new AbortController();
    let finish!: () => void;
    this.jobs.set(name, { controller, done: new Promise((r) => (finish = r)) });
    const kept = new KeptLines();
    let outputBytes = 0;
    const { maxOutputBytes } = this.o.config;
    // Lines arrive already cut by the line splitter; what it cut off still counts towards build.maxOutputBytes.
    const count = (bytes: number) => {
      outputBytes += bytes;
      if (outputBytes <= maxOutputBytes || controller.signal.aborted) return true;
      controller.abort(new BerthError('build_failed', `the build's output passed ${maxOutputBytes} bytes (build.maxOutputBytes)`, { name, maxOutputBytes }));
      return false;
    };
    const emit: Emit = Object.assign(
      (line: string) => {
        if (controller.signal.aborted || !count(Buffer.byteLength(line) + 1)) return;
        kept.add(line);
        onLine(line);
      },
      { dropped: (bytes: number) => void count(bytes) },
    );
    const started = Date.now();
    // Where a build's time goes, per phase (ms), in its log line: what to look at when a rebuild is slow.
    const phases: Phases = {};
    try {
      const { imageId, release, identical } = await this.run(name, rawUrl, emit, controller, options, phases);
      this.o.log.info({ name, image: imageId, release, identical, ms: Date.now() - started, phases }, 'build succeeded');
      return { imageId, release, identical, lines: kept.lines() };
    } catch (err) {
      this.o.log.warn({ name, error: isBerthError(err) ? err.uri : String(err), message: (err as Error).message, ms: Date.now() - started }, 'build failed');
      this.sweepWanted = true;
      throw err;
    } finally {
      this.jobs.delete(name);
      finish();
      if (this.sweepWanted && this.jobs.size === 0) this.scheduleSweep();
    }
  }

  /**
   * An aborted engine build may still commit the step it was in after berth has cleaned up (the engine notices the
   * abort between steps), leaving an untagged step image. When no build has run for SWEEP_AFTER_MS, the domain's
   * untagged build images and build containers are removed; a build that starts meanwhile waits for the sweep.
   */
  private scheduleSweep(): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = setTimeout(() => {
      if (this.jobs.size > 0 || this.sweeping) return;
      this.sweepWanted = false;
      this.sweeping = removeBuildLeftovers(this.o.engine, this.o.domain, this.o.log).finally(() => (this.sweeping = undefined));
    }, SWEEP_AFTER_MS);
    this.sweepTimer.unref();
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
    clearTimeout(this.sweepTimer);
    await Promise.all([...this.jobs.keys()].map((name) => this.cancel(name, 30_000)));
    await this.sweeping;
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
    const { engine, domain, log, config } = this.o;
    const images = known?.images ?? (await engine.fetchImages(domain)).filter((i) => i.name === name);
    const currentId = known?.currentId ?? currentOf(images, domain, name)?.id;
    for (const image of pruneCandidates(images, currentId, config.keepReleases)) {
      const label = releaseOf(image.labels) === null ? `the old image ${short(image.id)}` : `release ${releaseOf(image.labels)} (${short(image.id)})`;
      const users = await engine.fetchContainersUsingImage(image.id);
      if (users.length > 0) {
        onLine(`kept ${label}: ${users.length} container(s) use it`);
        continue;
      }
      const { registry } = this.o;
      try {
        if (registry) await registry.removeLocal(image, name);
        else await engine.removeImage(image.id);
        onLine(`removed ${label} (build.keepReleases ${config.keepReleases})`);
      } catch (err) {
        log.warn({ err, image: image.id }, 'could not remove an old release');
        continue;
      }
      // The registry copy goes with it; a registry that is down keeps it, and the line says so.
      const reference = registry?.reference(image, name);
      if (registry && reference) {
        const removed = await registry.removeRelease(name, reference.slice(reference.lastIndexOf('@') + 1));
        onLine(removed ? `removed ${label} from registry ${registry.registry}` : `${label} stays in registry ${registry.registry}: it could not be deleted there (see the log)`);
      }
    }
  }

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
    let dir: string | undefined;
    let removing: Promise<void> | undefined;
    // The checkout is needed until the engine has read the context; removed from then on, beside the tag and pruning.
    const removeDir = () => {
      if (dir) removing ??= removeBuildDir(dir).catch((err) => this.o.log.error({ err, dir }, 'could not remove the build directory'));
    };
    try {
      // The build network and the name's releases need nothing from the clone: looked up while git runs.
      const early = Promise.all([this.buildNetwork(), this.o.engine.fetchImages(this.o.domain).then((all) => all.filter((i) => i.name === name))]);
      early.catch(() => undefined);
      dir = await makeBuildDir();
      const checkout = join(dir, 'src');
      const home = join(dir, 'home');
      await Promise.all([mkdir(checkout), mkdir(home)]);
      const { commit } = await fetchSource({
        url, address, dir: checkout, home, signal, onLine: emit, onDropped: emit.dropped, timeoutMs: config.cloneTimeout * 1000, maxBytes: config.maxRepoBytes,
      });
      mark('clone');
      throwIfAborted(signal);
      const root = await buildRoot(checkout, url.subdir);
      const runfile = await readRunfile(root);
      const baseRef = resolveBase(runfile.Base, this.o.bases, config.allowAnyBase);
      await this.sweeping;
      throwIfAborted(signal);
      // Independent engine look-ups at once (a warm rebuild's time is mostly such round trips): the base, and (started
      // before the clone) the build network and the name's releases (the next number, a kept release this build may repeat).
      const [baseId, [network, releases]] = await Promise.all([this.findBase(runfile.Base, baseRef), early]);
      mark('lookups');
      throwIfAborted(signal);
      return await this.buildAndTag(name, { url, commit, runfile, baseRef, baseId, root, network, releases, removeDir }, emit, signal, options, mark);
    } finally {
      clearTimeout(timer);
      release();
      removeDir();
      await removing;
      mark('cleanup');
    }
  }

  private async buildAndTag(
    name: string,
    b: { url: BuildUrl; commit: string; runfile: Runfile; baseRef: string; baseId: string; root: string; network: string; releases: ImageRecord[]; removeDir: () => void },
    emit: Emit,
    signal: AbortSignal,
    options: BuildOptions,
    mark: (phase: string) => void,
  ): Promise<Built> {
    const { engine, domain } = this.o;
    const tail: string[] = [];
    /** The engine's image of each finished step (" ---> <id>"); the first is the base. */
    const steps: string[] = [];
    /** The engine's container of the step running now (" ---> Running in <id>"). */
    let stepContainer: string | undefined;
    const onLine = (line: string) => {
      const step = /^ ---> ([0-9a-f]{12})$/.exec(line);
      if (step) steps.push(step[1]!);
      stepContainer = /^ ---> Running in ([0-9a-f]{12})$/.exec(line)?.[1] ?? stepContainer;
      tail.push(line);
      if (tail.length > 8) tail.shift();
      emit(line);
    };
    emit(`building ${name} on ${b.runfile.Base} (${b.baseRef})`);
    // FROM the base's ID: the engine builds from the image berth checked, and has no name it could pull.
    const dockerfile = generateDockerfile(b.baseId, b.runfile, domain, this.o.volumeOwner);
    const { releases } = b;
    const labels: Record<string, string> = {
      ...options.labels,
      [LABELS.domain]: domain,
      [LABELS.name]: name,
      [LABELS.url]: b.url.source,
      [LABELS.ref]: b.url.ref ?? '',
      [LABELS.commit]: b.commit,
      [LABELS.base]: b.runfile.Base,
      [LABELS.command]: JSON.stringify(commandArgv(b.runfile.Command)),
      [LABELS.env]: JSON.stringify(b.runfile.Env),
      [LABELS.volumes]: JSON.stringify(b.runfile.Volumes ?? []),
      // The finished image is no leftover: containers made from it must never look like build containers.
      [LABELS.build]: '',
    };
    labels[LABELS.source] = sourceDigest({ url: b.url.source, commit: b.commit, dockerfile, setup: b.runfile.Setup, command: b.runfile.Command, labels });
    const newRelease = nextRelease(releases);
    // An identical rebuild: a kept release was made from exactly this (URL, commit, Dockerfile with the base's ID,
    // labels), so `docker build` of this context with those labels gives that very image from its cache. berth does
    // not ask the engine to: the release is the answer, and no new release is made.
    const same = options.nocache ? undefined : newestFirst(releases).find((i) => i.labels[LABELS.source] === labels[LABELS.source] && releaseOf(i.labels) !== null);
    const known = new Set(releases.map((i) => i.id));
    const { config } = this.o;
    let built: string | undefined;
    let release: number;
    let imageLabels: Record<string, string> = {};
    /** A push of a new release was started: on failure its manifest may be in the registry. */
    let pushStarted = false;
    let pushed: string | undefined;
    const { registry } = this.o;
    try {
      if (same) {
        built = same.id;
        imageLabels = { ...same.labels };
        release = releaseOf(same.labels)!;
        const wasCurrent = same.tags.includes(currentTag(domain, name));
        emit(`identical to release ${release} (same commit, Run.yaml and base): no new release, nothing to build${wasCurrent ? '' : `; release ${release} is current again`}`);
      } else {
        imageLabels = { ...labels, [LABELS.release]: String(newRelease), [LABELS.built]: new Date().toISOString() };
        built = await engine.buildImage({
          context: packContext(b.root, dockerfile, b.runfile.Volumes),
          dockerfile: DOCKERFILE_NAME,
          nocache: options.nocache,
          network: b.network,
          memory: config.memory,
          cpus: config.cpus,
          signal,
          onLine,
          onDropped: emit.dropped,
          labels: imageLabels,
        });
        throwIfAborted(signal);
        release = newRelease;
      }
      mark('engine');
      b.removeDir();
      // Pushed before the tag moves: a failed push leaves the previous release current, untouched.
      if (registry) {
        const present = same ? registry.reference(same, name) : null;
        if (present && (await registry.has(present).catch(() => false))) emit(`release ${release} is in registry ${registry.registry}: ${present}`);
        else {
          pushStarted = !same;
          pushed = await registry.push(built, name, release, emit, signal);
        }
        throwIfAborted(signal);
        mark('push');
      }
      await engine.tagImage(built, this.repository, name);
      mark('tag');
    } catch (err) {
      // Nothing of a failed or canceled build stays (but never a kept release the cache handed back).
      if (built && !known.has(built)) await engine.removeImage(built).catch(() => undefined);
      // A new release whose push got (or may have got) its manifest into the registry: deleted there too.
      if (registry && pushStarted) {
        const digest = pushed?.slice(pushed.lastIndexOf('@') + 1) ?? (await registry.digestOfRelease(name, newRelease));
        if (digest) await registry.removeRelease(name, digest);
      }
      // The engine removes an aborted step's container on its own, a moment later; berth does not answer before it is gone.
      if (stepContainer) await this.removeStepContainer(stepContainer);
      await this.removeStepImages(steps.slice(1).filter((id) => ![...known].some((k) => short(k) === id)));
      // The build's last lines tell why a step failed; a failed push says it all itself (and names the registry).
      if (isBerthError(err, 'build_failed') && !signal.aborted && err.details.registry === undefined) {
        const last = tail.filter((l) => !l.startsWith('ERROR: ')).slice(-5);
        throw new BerthError('build_failed', `${err.message}${last.length ? `; last output: ${last.join(' | ')}` : ''}`, { name, lines: last }, { cause: err });
      }
      throw err;
    }
    const identical = same !== undefined;
    emit(`built ${this.repository}:${name} (${short(built)}) release ${release} from ${b.commit.slice(0, 12)}`);
    // The releases as they are now, without listing them again: those before the build, plus the new one.
    const now = identical ? releases : [...releases, { id: built, name, created: new Date().toISOString(), size: 0, labels: imageLabels, tags: [] }];
    await this.pruneReleases(name, emit, { images: now, currentId: built }).catch((err) => this.o.log.warn({ err, name }, 'could not prune old releases'));
    mark('prune');
    return { imageId: built, release, identical };
  }

  /** Remove a step's container (idempotent) and wait, at most 10 s, until the engine no longer has it. */
  private async removeStepContainer(id: string): Promise<void> {
    const { engine, log } = this.o;
    for (let attempt = 0; attempt < 40; attempt++) {
      // "Removal already in progress" (the engine's own cleanup) is in_use: wait for it.
      await engine.removeContainer(id).catch(() => undefined);
      const still = await engine.fetchContainer(id).catch(() => undefined);
      if (!still) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    log.warn({ container: id }, 'the engine still has the step container of a failed build');
  }

  /**
   * The untagged images of the steps a failed or canceled build finished would stay as dangling layers: remove them,
   * newest first. Tagged images (a base) and images other images build on (cache of an earlier build) are kept.
   */
  private async removeStepImages(ids: string[]): Promise<void> {
    for (const id of [...new Set(ids)].reverse()) {
      const image = await this.o.engine.fetchImage(id).catch(() => undefined);
      if (!image || image.tags.some((t) => t !== '<none>:<none>')) continue;
      // After an abort the engine is still removing the step's container, which holds the image for a moment.
      for (let attempt = 0; attempt < 40; attempt++) {
        try {
          await this.o.engine.removeImage(image.id);
          break;
        } catch (err) {
          if (!isBerthError(err, 'in_use') || !/container/.test(err.message)) break;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  }

  /** The domain's build network, made on first use; an engine that cannot make it (address pools used up) fails the build. */
  private async buildNetwork(): Promise<string> {
    const name = buildNetworkName(this.o.domain);
    try {
      return await this.ensureBuildNetwork();
    } catch (err) {
      if (!isBerthError(err) || err.code === 'engine_unavailable') throw err;
      throw new BerthError('build_failed', `cannot create the build network ${name}: ${err.message}`, { network: name }, { cause: err });
    }
  }

  /** The base's image ID on this engine. berth never pulls: a missing base is a Run.yaml error saying how to get it. */
  private async findBase(base: string, ref: string): Promise<string> {
    const image = await this.o.engine.fetchImage(ref);
    if (!image) throw missingBase(base, ref);
    return image.id;
  }
}

/** Every build of a domain runs its steps on this bridge network, with inter-container traffic off. */
export function buildNetworkName(domain: string): string {
  return `berth-build-${domain}`;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof BerthError ? signal.reason : new BerthError('canceled', 'the build was canceled');
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
