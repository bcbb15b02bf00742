/**
 * The parts of the Engine API's Swarm objects berth reads and writes (API 1.41, docker 20.10): services and their
 * tasks. Written out here rather than taken from dockerode's typings, which leave most of these fields `any`.
 */
export interface SwarmMount {
  Type: 'tmpfs' | 'volume';
  Target: string;
  Source?: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface SwarmContainerSpec {
  Image: string;
  Labels?: Record<string, string>;
  Command?: string[];
  Args?: string[];
  Env?: string[];
  Dir?: string;
  User?: string;
  ReadOnly?: boolean;
  Mounts?: SwarmMount[];
  StopGracePeriod?: number;
  Hosts?: string[];
  Init?: boolean;
  CapabilityAdd?: string[] | null;
  CapabilityDrop?: string[] | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[];
  Privileges?: Record<string, unknown>;
}

export interface SwarmServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: SwarmContainerSpec;
    Resources?: { Limits?: { MemoryBytes?: number; NanoCPUs?: number; Pids?: number }; Reservations?: Record<string, number> };
    RestartPolicy?: { Condition?: 'none' | 'on-failure' | 'any'; Delay?: number; MaxAttempts?: number; Window?: number };
    Placement?: { Constraints?: string[] };
    Networks?: { Target: string }[];
    LogDriver?: { Name: string; Options?: Record<string, string> };
    ForceUpdate?: number;
  };
  Mode: { Replicated?: { Replicas?: number } };
  UpdateConfig?: { Parallelism?: number; Order?: 'stop-first' | 'start-first'; FailureAction?: 'pause' | 'continue' | 'rollback'; Monitor?: number; MaxFailureRatio?: number };
  RollbackConfig?: { Parallelism?: number; Order?: 'stop-first' | 'start-first'; FailureAction?: 'pause' | 'continue'; Monitor?: number };
  EndpointSpec?: { Mode?: 'vip' | 'dnsrr' };
}

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: SwarmServiceSpec;
  /** The last update's progress (absent before the first update). */
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

export interface SwarmTask {
  ID: string;
  Version?: { Index: number };
  CreatedAt: string;
  UpdatedAt?: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState: string;
  Status: {
    Timestamp?: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; PID?: number; ExitCode?: number };
  };
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  Spec?: { Role?: string; Availability?: string };
  /** Managers only: the address other nodes reach its swarm API at (`host:2377`). */
  ManagerStatus?: { Addr?: string };
}
