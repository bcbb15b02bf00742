import { BerthError } from '../errors.js';

/** The manifest types berth's pushes make (the engine pushes schema 2; OCI for images that came as OCI). */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/** An error body is read up to this much (the registry's are short JSON). */
const MAX_ERROR_BODY = 4096;
/** A tags list answer is read up to this much (about 60 000 tags of a repository). */
const MAX_TAGS_BODY = 1024 ** 2;

export interface RegistryClientOptions {
  /** `host:port`, as config `registry`. */
  readonly registry: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** Every request's deadline. */
  readonly timeoutMs: number;
  /** Whether to speak plain HTTP (the engine's own decision for this registry: `Engine.fetchRegistryInsecure`). */
  readonly insecure: () => Promise<boolean>;
  readonly fetch?: typeof fetch;
}

/**
 * The registry's HTTP API v2, the part berth needs: delete a manifest by digest, list a repository's tags,
 * look up a tag's digest. Node's fetch, a deadline on every request, basic auth from `registryAuth`. Failures are
 * `registry_unavailable` with the registry's own message; deleting what is not there succeeds.
 */
export class RegistryClient {
  private scheme: Promise<string> | undefined;
  private readonly fetch: typeof fetch;

  constructor(private readonly o: RegistryClientOptions) {
    this.fetch = o.fetch ?? fetch;
  }

  /** DELETE /v2/<repo>/manifests/<digest>: the manifest and every tag on it. A 404 (already gone) is success. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.request('DELETE', `${repository}/manifests/${digest}`, `delete ${repository}@${digest}`);
    if (res.status === 202 || res.status === 200 || res.status === 404) return void (await res.body?.cancel());
    throw await this.failure(res, `delete ${repository}@${digest}`);
  }

  /** GET /v2/<repo>/tags/list; a repository the registry does not know has no tags. */
  async listTags(repository: string): Promise<string[]> {
    const res = await this.request('GET', `${repository}/tags/list`, `list the tags of ${repository}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return [];
    }
    if (res.status !== 200) throw await this.failure(res, `list the tags of ${repository}`);
    const text = await readBounded(res, MAX_TAGS_BODY);
    try {
      const body = JSON.parse(text) as { tags?: unknown };
      return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    } catch {
      throw new BerthError('registry_unavailable', `registry ${this.o.registry} answered the tags list of ${repository} with something that is not JSON`, { registry: this.o.registry });
    }
  }

  /** HEAD /v2/<repo>/manifests/<tag or digest> → the manifest's digest, or null when the registry has none. */
  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    const res = await this.request('HEAD', `${repository}/manifests/${reference}`, `look up ${repository}:${reference}`, { Accept: MANIFEST_TYPES });
    await res.body?.cancel();
    if (res.status === 404) return null;
    if (res.status !== 200) throw await this.failure(res, `look up ${repository}:${reference}`);
    return res.headers.get('docker-content-digest');
  }

  private async request(method: string, path: string, what: string, headers: Record<string, string> = {}): Promise<Response> {
    const { registry, auth, timeoutMs } = this.o;
    this.scheme ??= this.o.insecure().then((insecure) => (insecure ? 'http' : 'https'));
    // A failed look-up is asked again next time (the engine may be back).
    const scheme = await this.scheme.catch((err: unknown) => {
      this.scheme = undefined;
      throw new BerthError('registry_unavailable', `cannot tell how to reach registry ${registry}: ${(err as Error).message}`, { registry }, { cause: err });
    });
    if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    try {
      return await this.fetch(`${scheme}://${registry}/v2/${path}`, { method, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms (registryTimeout)` : (e.cause?.code ?? e.message);
      throw new BerthError('registry_unavailable', `registry ${registry} is unavailable (${what}: ${why})`, { registry }, { cause: err });
    }
  }

  private async failure(res: Response, what: string): Promise<BerthError> {
    const { registry } = this.o;
    const text = await readBounded(res, MAX_ERROR_BODY).catch(() => '');
    let message = text.trim();
    try {
      const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
      if (errors.length) message = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      // Not the registry's JSON: its text as it is.
    }
    const hint = res.status === 405 ? ' (deletes need storage.delete.enabled in the registry\'s config)' : res.status === 401 ? ' (check registryAuth)' : '';
    return new BerthError('registry_unavailable', `registry ${registry} refused to ${what}: HTTP ${res.status}${message ? ` ${message.slice(0, 512)}` : ''}${hint}`, { registry, status: res.status });
  }
}

/** The body as text, at most `max` bytes (the rest is not read). */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
