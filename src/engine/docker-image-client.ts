import type Dockerode from 'dockerode';
import { BerthError } from '../errors.js';
import { readEngineStream } from './build-stream.js';
import { readPushStream } from './push-stream.js';
import type { DockerRequests } from './docker-requests.js';
import { EngineError, engineMessage } from './engine-error.js';
import type { BuildSpec, ImageClient, ImageRecord, PushSpec } from './engine.js';
import { isBuildStepCommand } from './build-step.js';
import { domainFilter, LABELS } from './labels.js';
import { toImageHealthcheck } from './to-container-record.js';

/** The CFS period of build containers; the quota is cpus × this. */
const CPU_PERIOD_US = 100_000;

/** Images on the engine, and builds: the ImageClient seam over dockerode. */
export class DockerImageClient implements ImageClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly r: DockerRequests,
  ) {}

  async fetchImages(domain: string): Promise<ImageRecord[]> {
    const list = await this.r.request('list images', (abortSignal) =>
      this.docker.listImages({ filters: { label: [domainFilter(domain)] }, abortSignal }),
    );
    return list
      .filter((i) => i.Labels?.[LABELS.name])
      .map((i) => ({
        id: i.Id,
        name: i.Labels[LABELS.name]!,
        created: new Date(i.Created * 1000).toISOString(),
        size: i.Size,
        labels: i.Labels,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        digests: (i.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
      }));
  }

  async fetchImage(id: string): Promise<ImageRecord | undefined> {
    try {
      const i = await this.r.request('inspect image', () => this.docker.getImage(id).inspect());
      const labels = i.Config?.Labels ?? {};
      return { id: i.Id, name: labels[LABELS.name] ?? i.RepoTags?.[0] ?? i.Id, created: i.Created, size: i.Size, labels, tags: i.RepoTags ?? [], digests: i.RepoDigests ?? [], env: i.Config?.Env ?? [], healthcheck: toImageHealthcheck(i.Config?.Healthcheck) };
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  async removeImage(id: string): Promise<void> {
    try {
      await this.r.request('remove image', (abortSignal) => this.docker.getImage(id).remove({ abortSignal }));
    } catch (err) {
      // The engine answers this (not 404) when the image left its store while it was looking it up: another removal
      // (the leftover sweep taking the untagged parents of what it removes) got there first. It is gone.
      if (err instanceof EngineError && /unrecognized image ID/i.test(err.message)) throw new EngineError('not_found', err.message, 404, { cause: err });
      throw err;
    }
  }

  async buildImage(spec: BuildSpec): Promise<string> {
    const { signal } = spec;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.buildImage(spec.context, {
        dockerfile: spec.dockerfile,
        // The classic builder: it runs each step in a container with these limits, on a user-defined network.
        version: '1',
        rm: true,
        forcerm: true,
        // Never pull: the FROM line names a local image by ID, and `pull` would force a pull of it.
        pull: false,
        nocache: spec.nocache ?? false,
        // berth's labels go through the build (not a commit afterwards): `docker build --label` gives the same image.
        ...(spec.labels && Object.keys(spec.labels).length ? { labels: { ...spec.labels } } : {}),
        networkmode: spec.network,
        memory: spec.memory,
        memswap: spec.memory,
        cpuperiod: CPU_PERIOD_US,
        cpuquota: Math.max(1_000, Math.round(spec.cpus * CPU_PERIOD_US)),
        abortSignal: signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new BerthError('build_failed', `the engine refused the build: ${engineMessage(err)}`, {}, { cause: err });
    }
    const { imageId, error } = await readEngineStream(stream, spec.onLine, signal, spec.onDropped);
    if (error !== undefined) throw new BerthError('build_failed', error);
    if (!imageId) throw new BerthError('build_failed', 'the engine finished the build without an image ID');
    return imageId;
  }

  async fetchBuildLeftovers(domain: string): Promise<{ containers: string[]; images: string[] }> {
    const label = [`${LABELS.build}=${domain}`];
    const ofDomain = [domainFilter(domain)];
    const [containers, images, labelSteps, labelImages] = await Promise.all([
      this.r.request('list containers', (abortSignal) => this.docker.listContainers({ all: true, filters: { label }, abortSignal })),
      this.r.request('list images', (abortSignal) => this.docker.listImages({ filters: { label, dangling: ['true'] }, abortSignal })),
      this.r.request('list containers', (abortSignal) => this.docker.listContainers({ all: true, filters: { label: ofDomain }, abortSignal })),
      this.r.request('list images', (abortSignal) => this.docker.listImages({ filters: { label: ofDomain, dangling: ['true'] }, abortSignal })),
    ]);
    // The image's labels are the Dockerfile's closing LABEL step, so that step's container carries the domain's
    // labels (with `berth.build` empty): it is one of the classic builder's `#(nop)` ones. Images of the domain without
    // a release number are partial too (every finished release has one).
    const steps = labelSteps.filter((c) => isBuildStepCommand(c.Command) && !(c.Names ?? []).some((n) => n.replace(/^\//, '').startsWith(`${domain}.`)));
    const partial = labelImages.filter((i) => !i.Labels?.[LABELS.release]);
    return { containers: unique([...containers, ...steps].map((c) => c.Id)), images: unique([...images, ...partial].map((i) => i.Id)) };
  }

  async pushImage(spec: PushSpec): Promise<string> {
    const { signal, repository, tag } = spec;
    const where = `${repository}:${tag}`;
    let stream: NodeJS.ReadableStream;
    try {
      // Without credentials an empty auth object still goes in the header: the engine then pushes anonymously.
      const authconfig = spec.auth ? { username: spec.auth.username, password: spec.auth.password, serveraddress: registryOf(repository) } : {};
      stream = (await this.docker.getImage(repository).push({ tag, authconfig, abortSignal: signal })) as NodeJS.ReadableStream;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new BerthError('build_failed', `the engine refused to push ${where}: ${engineMessage(err)}`, { repository, tag }, { cause: err });
    }
    const { digest, error } = await readPushStream(stream, spec.onLine, signal);
    if (error !== undefined) throw new BerthError('build_failed', error, { repository, tag });
    if (!digest) throw new BerthError('build_failed', `the engine finished the push of ${where} without a digest`, { repository, tag });
    // The stream's digest is what the engine recorded, or the push is not what berth thinks it is.
    const image = await this.fetchImage(where);
    if (!image?.digests?.includes(`${repository}@${digest}`)) {
      throw new BerthError('build_failed', `the engine reported digest ${digest} for ${where}, but the image's RepoDigests do not list it`, { repository, tag });
    }
    return digest;
  }

  async tagImage(imageId: string, repo: string, tag: string): Promise<void> {
    await this.r.request('tag image', () => this.docker.getImage(imageId).tag({ repo, tag }));
  }
}

/** The registry part (`host:port`) of a repository such as `host:port/berth/d/name`. */
function registryOf(repository: string): string {
  return repository.slice(0, repository.indexOf('/'));
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
