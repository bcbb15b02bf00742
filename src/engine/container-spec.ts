export interface ContainerSpec {
  readonly engineName: string;
  readonly imageId: string;
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly extraHosts: readonly string[];
  readonly network: string;
  readonly sandbox: SandboxSpec;
  /** Named volumes (Run.yaml `Volumes`), mounted read-write; the adapter mounts them as type volume, never a host path. */
  readonly volumes: readonly VolumeMount[];
}

/** A named volume mounted into a container at `path` (an absolute path inside it). */
export interface VolumeMount {
  readonly name: string;
  readonly path: string;
}

/** What a container may use and do; the adapter adds what is never negotiable (no privileges, no host namespaces). */
export interface SandboxSpec {
  readonly user: string;
  readonly memory: number;
  readonly nanoCpus: number;
  readonly pids: number;
  readonly nofile: number;
  readonly readOnlyRootfs: boolean;
  readonly tmpfsSize: number;
  readonly capAdd: readonly string[];
  readonly noNewPrivileges: boolean;
  readonly restartPolicy: string;
  readonly logMaxSize: number;
  readonly logMaxFiles: number;
}
