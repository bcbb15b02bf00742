import type { ContainerSummary } from './container-record.js';

/** A named volume as the engine describes it. */
export interface VolumeRecord {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ISO 8601, as the engine says (empty if it does not). */
  readonly created: string;
}

export interface VolumeUsage {
  readonly size: number | null;
  readonly containers: number | null;
}

/** Named volumes (Run.yaml `Volumes`). Never bind mounts: there is no way here to name a host path. */
export interface VolumeClient {
  /** The volume, or undefined when the engine has none of that name. */
  fetchVolume(name: string): Promise<VolumeRecord | undefined>;
  /** Every volume labelled with this domain. */
  fetchVolumes(domain: string): Promise<VolumeRecord[]>;
  /**
   * Create a volume of the local driver. `size` (bytes) asks the driver for a quota; an engine that cannot enforce one
   * (no project quotas on its file system) refuses the create with `internal` and its own message.
   */
  createVolume(name: string, labels: Readonly<Record<string, string>>, size?: number): Promise<VolumeRecord>;
  /** Idempotent (a missing volume is removed); a volume a container mounts is `in_use`. */
  removeVolume(name: string): Promise<void>;
  /**
   * The engine's disk usage of volumes (`GET /system/df`) by volume name: `size` in bytes and `containers`, how many
   * containers (any state) mount it; null where the engine does not say.
   */
  fetchVolumeUsage(): Promise<Map<string, VolumeUsage>>;
  /** Containers (any state, any domain) that mount this volume. */
  fetchContainersUsingVolume(name: string): Promise<ContainerSummary[]>;
}
