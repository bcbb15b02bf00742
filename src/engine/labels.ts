/** Label keys are public interface: operators filter on them, and they are berth's only state. */
export const LABELS = {
  domain: 'berth.domain',
  name: 'berth.name',
  /** On containers: the berth name of the image they were created from. */
  image: 'berth.image',
  /** On containers: `sha256:<hex>` of the container's own ticket (WAMP_TICKET); the ticket itself is kept nowhere else. */
  ticket: 'berth.ticket',
  /**
   * On containers berth creates and images it builds: the owner, the caller's authid (`anonymous` for every
   * anonymous caller). An item without it was made before owners existed and belongs to `anonymous`.
   */
  owner: 'berth.owner',
  /**
   * Beside berth.owner: the role the owner called with when it made the item. An image built by an admin role
   * (adminRoles) may be used by everyone's create; a container's is informational.
   */
  ownerRole: 'berth.owner-role',
  /**
   * On every container berth itself creates (`berth`): a container of berth's that never started was left half-made by
   * a berth killed in the middle of create. Containers made out-of-band lack it and are never swept.
   */
  origin: 'berth.origin',
  /**
   * On a replacement container while updateImage swaps it in: the ID of the container it replaces. While its engine
   * name is not yet `D.<name>` the index leaves it out, and a restarted berth finishes or undoes the swap.
   */
  replaces: 'berth.replaces',
  /** On images built from a Run.yaml: its Env as a JSON object, the default environment of containers. */
  env: 'berth.env',
  /** On images built by D/build: where from (the URL as given, with #ref:subdir), the ref, the commit checked out. */
  url: 'berth.url',
  ref: 'berth.ref',
  commit: 'berth.commit',
  /** On built images: the Run.yaml Base as written (a catalog name such as exis-python, or an image reference). */
  base: 'berth.base',
  /** On built images: the container command as a JSON array (exec form). */
  command: 'berth.command',
  /** On built images: when the build finished (ISO 8601). */
  built: 'berth.built',
  /**
   * On built images: the release number, counting up per name from 1. The current release of a name is the
   * one tagged `berth/<domain>:<name>`; the others are kept for rollback (build.keepReleases).
   */
  release: 'berth.release',
  /**
   * On built images: a digest of what the image is built from (URL, commit, Run.yaml, base image ID). A build whose
   * source digest matches a kept release is an identical rebuild: that release is the answer (the same image ID), and
   * no new release is made.
   */
  source: 'berth.source',
  /** On built images: Run.yaml Volumes as a JSON array of absolute paths (one named volume per path per container). */
  volumes: 'berth.volumes',
  /** On volumes berth makes (beside berth.domain and berth.name, the container's name): the path it is mounted on. */
  volumePath: 'berth.volume-path',
  /**
   * The domain whose build made a step image or a build container (set right after FROM; empty on the final image), so
   * a restarted berth finds what a killed build left. Not berth.domain: that would list step containers as the domain's.
   */
  build: 'berth.build',
  /**
   * On containers: which replica of its berth name this engine container is (1..n, as its REPLICA variable). A container
   * without it (made before replicas existed) is replica 1. How many are wanted is how many exist (docs/api.md, scale).
   */
  replica: 'berth.replica',
} as const;

export function domainFilter(domain: string): string {
  return `${LABELS.domain}=${domain}`;
}

/** The engine-side container name: the container's own WAMP domain, unique across berth domains on one engine. */
export function engineContainerName(domain: string, name: string): string {
  return `${domain}.${name}`;
}

/** The temporary engine name of a replacement (container names have no dots, so no berth name can clash with it). */
export function replacementEngineName(domain: string, name: string): string {
  return `${engineContainerName(domain, name)}.next`;
}

/**
 * The engine name of replica `replica` of a container: replica 1 keeps `D.<name>` (a container made before replicas is
 * replica 1), replica i > 1 is `D.<name>._<i>`. No berth engine name holds "._": a name has no dot and starts with a
 * letter or digit, and a domain (DOMAIN_PATTERN) puts "_" only between letters or digits; so no other container of
 * this or any other domain, nor a replacement (`.next`), can have it.
 */
export function replicaEngineName(domain: string, name: string, replica: number): string {
  return replica === 1 ? engineContainerName(domain, name) : `${engineContainerName(domain, name)}._${replica}`;
}

/** The replica number a container's labels say (label berth.replica; 1 when absent or malformed). */
export function replicaOf(labels: Readonly<Record<string, string>>): number {
  const n = Number(labels[LABELS.replica] ?? '1');
  return Number.isInteger(n) && n >= 1 ? n : 1;
}
