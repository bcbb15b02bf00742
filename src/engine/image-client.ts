/** An image as the engine describes it. */
export interface ImageRecord {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  /** The image's RepoDigests (`<repository>@sha256:…`): each a push the engine made of it. */
  readonly digests?: readonly string[];
  /** The image's default environment (KEY=value); only fetchImage fills it in. */
  readonly env?: readonly string[];
  /** The image's health check (Config.Healthcheck, engine defaults applied), null when it has none; only fetchImage fills it in. */
  readonly healthcheck?: ImageHealthcheck | null;
}

/** An image's HEALTHCHECK as the engine runs it; durations in milliseconds. */
export interface ImageHealthcheck {
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

/** Images, and building them. */
export interface ImageClient {
  fetchImages(domain: string): Promise<ImageRecord[]>;
  fetchImage(id: string): Promise<ImageRecord | undefined>;
  removeImage(id: string): Promise<void>;
  /**
   * Build an untagged image from a tar context; every output line goes to `onLine`. Fails with `build_failed` and the
   * engine's own message on an `error` in the stream; aborting `signal` aborts the engine's build and rejects with its reason.
   */
  buildImage(spec: BuildSpec): Promise<string>;
  /** Point `repo:tag` at an image (moving the tag from any previous image). */
  tagImage(imageId: string, repo: string, tag: string): Promise<void>;
  /**
   * Push `repository:tag` to its registry. Reads every line of the engine's push stream: progress goes to
   * `onLine` (one line per layer state change), an `error`/`errorDetail` fails with build_failed and the engine's own
   * message, and the `aux.Digest` it reports must then be among the image's RepoDigests. Aborting `signal` stops the
   * push and rejects with its reason. Resolves with the digest (`sha256:…`).
   */
  pushImage(spec: PushSpec): Promise<string>;
  /**
   * What builds of this domain left when berth died (label berth.build=<domain>): containers in any state (the engine's
   * step containers) and untagged top-level images (removing one removes its untagged parents).
   */
  fetchBuildLeftovers(domain: string): Promise<{ containers: string[]; images: string[] }>;
}

/** What pushImage needs. `auth` goes to the engine in the X-Registry-Auth header, never into a log. */
export interface PushSpec {
  readonly repository: string;
  readonly tag: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly signal: AbortSignal;
  readonly onLine: (line: string) => void;
}

/**
 * What buildImage needs; the context is a tar stream whose Dockerfile is `dockerfile`. Every step's container gets
 * `memory` (swap included: none on top), `cpus` and the network `network`. The build API has no PIDs limit.
 */
export interface BuildSpec {
  readonly context: NodeJS.ReadableStream;
  readonly dockerfile: string;
  readonly nocache?: boolean;
  readonly network: string;
  readonly memory: number;
  readonly cpus: number;
  readonly signal: AbortSignal;
  readonly onLine: (line: string) => void;
  /** Bytes cut off overlong lines, as they arrive (they count towards the build's output limit). */
  readonly onDropped?: (bytes: number) => void;
  /**
   * Labels of the finished image, given to the build API's `labels`: the classic builder appends one LABEL step per
   * label, sorted by key. (berth's builds put their labels in the Dockerfile instead, one LABEL step for all.)
   */
  readonly labels?: Readonly<Record<string, string>>;
}
