import type { Engine, ImageRecord } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError, isBerthError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BuildConfig } from './build-config.js';
import { DOCKERFILE_NAME, packContext } from './build-context.js';
import { buildLabels } from './build-labels.js';
import type { Emit } from './build-output.js';
import { BuildSteps } from './build-steps.js';
import type { BuildUrl } from './build-url.js';
import { generateDockerfile } from './dockerfile.js';
import { labelledDockerfile } from './label-instruction.js';
import { pruneReleases } from './prune-releases.js';
import type { RegistryReleases } from './registry-releases.js';
import { currentTag, newestFirst, nextRelease, releaseOf } from './releases.js';
import type { Runfile } from './runfile.js';
import { shortImageId } from './short-image-id.js';
import { throwIfAborted } from './throw-if-aborted.js';

export interface BuildOptions {
  readonly nocache?: boolean;
  /** Added to the image's labels (berth's own keys cannot be overridden by them: they are set after). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A build's image, tagged as the name's current release. */
export interface Built {
  readonly imageId: string;
  /** The release the image is (berth.release). */
  readonly release: number;
  /** An identical rebuild: the image is an existing release, no new release was made. */
  readonly identical: boolean;
}

export interface BuildAndTagOptions {
  readonly engine: Engine;
  readonly domain: string;
  readonly config: BuildConfig;
  readonly log: Logger;
  /** Who owns the Run.yaml volume directories in the image. */
  readonly volumeOwner: string;
  readonly registry?: RegistryReleases;
  /** The repository the image is tagged in: `berth/<domain>`. */
  readonly repository: string;
}

/** What the build has once the source is checked out and the engine look-ups are done. */
export interface CheckedOut {
  readonly url: BuildUrl;
  readonly commit: string;
  readonly runfile: Runfile;
  readonly baseRef: string;
  readonly baseId: string;
  readonly root: string;
  readonly network: string;
  /** The name's images before this build. */
  readonly releases: ImageRecord[];
  /** Remove the checkout: called once the engine has read the context. */
  readonly removeDir: () => void;
}

/**
 * The engine's part of a build: build the image (or find the identical release), push it to the registry (if one is
 * configured), tag it as the name's current release and prune old releases. A failed or canceled build leaves nothing.
 */
export async function buildAndTag(
  o: BuildAndTagOptions,
  name: string,
  b: CheckedOut,
  emit: Emit,
  signal: AbortSignal,
  options: BuildOptions,
  mark: (phase: string) => void,
): Promise<Built> {
  const { engine, domain, config, registry, repository } = o;
  const steps = new BuildSteps(engine, o.log);
  const onLine = (line: string) => {
    steps.read(line);
    emit(line);
  };
  emit(`building ${name} on ${b.runfile.Base} (${b.baseRef})`);
  // FROM the base's ID: the engine builds from the image berth checked, and has no name it could pull.
  const dockerfile = generateDockerfile(b.baseId, b.runfile, domain, o.volumeOwner);
  const { releases } = b;
  const labels = buildLabels(name, domain, { ...b, dockerfile }, options.labels);
  const newRelease = nextRelease(releases);
  // An identical rebuild: a kept release was made from exactly this (URL, commit, Dockerfile with the base's ID,
  // labels; berth.source is over the Dockerfile without its LABEL line, which holds the release's own labels), so
  // the release is that very image. berth does not ask the engine: the release is the answer, and no new release is made.
  const same = options.nocache ? undefined : newestFirst(releases).find((i) => i.labels[LABELS.source] === labels[LABELS.source] && releaseOf(i.labels) !== null);
  const known = new Set(releases.map((i) => i.id));
  let built: string | undefined;
  let release: number;
  let imageLabels: Record<string, string> = {};
  /** A push of a new release was started: on failure its manifest may be in the registry. */
  let pushStarted = false;
  let pushed: string | undefined;
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
        // The labels are the Dockerfile's last instruction: one builder step for all of them.
        context: packContext(b.root, labelledDockerfile(dockerfile, imageLabels), b.runfile.Volumes),
        dockerfile: DOCKERFILE_NAME,
        nocache: options.nocache,
        network: b.network,
        memory: config.memory,
        cpus: config.cpus,
        signal,
        onLine,
        onDropped: emit.dropped,
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
    await engine.tagImage(built, repository, name);
    mark('tag');
  } catch (err) {
    // Nothing of a failed or canceled build stays (but never a kept release the cache handed back).
    if (built && !known.has(built)) await engine.removeImage(built).catch(() => undefined);
    // A new release whose push got (or may have got) its manifest into the registry: deleted there too.
    if (registry && pushStarted) {
      const digest = pushed?.slice(pushed.lastIndexOf('@') + 1) ?? (await registry.digestOfRelease(name, newRelease));
      if (digest) await registry.removeRelease(name, digest);
    }
    await steps.remove(known);
    // The build's last lines tell why a step failed; a failed push says it all itself (and names the registry).
    if (isBerthError(err, 'build_failed') && !signal.aborted && err.details.registry === undefined) {
      const last = steps.lastLines();
      throw new BerthError('build_failed', `${err.message}${last.length ? `; last output: ${last.join(' | ')}` : ''}`, { name, lines: last }, { cause: err });
    }
    throw err;
  }
  const identical = same !== undefined;
  emit(`built ${repository}:${name} (${shortImageId(built)}) release ${release} from ${b.commit.slice(0, 12)}`);
  // The releases as they are now, without listing them again: those before the build, plus the new one.
  const now = identical ? releases : [...releases, { id: built, name, created: new Date().toISOString(), size: 0, labels: imageLabels, tags: [] }];
  await pruneReleases({ ...o, keepReleases: config.keepReleases }, name, emit, { images: now, currentId: built }).catch((err) => o.log.warn({ err, name }, 'could not prune old releases'));
  mark('prune');
  return { imageId: built, release, identical };
}
