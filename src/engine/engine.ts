import type { ContainerClient } from './container-client.js';
import type { EventClient } from './event-client.js';
import type { ExecClient } from './exec-client.js';
import type { ImageClient } from './image-client.js';
import type { NetworkClient } from './network-client.js';
import type { SystemClient } from './system-client.js';
import type { VolumeClient } from './volume-client.js';

export type { ContainerClient, ContainerUsage, LogStream, ProcessTable } from './container-client.js';
export type { ContainerRecord, ContainerResources, ContainerSummary, HealthProbe, SwarmPlacement } from './container-record.js';
export type { ContainerSpec, SandboxSpec, VolumeMount } from './container-spec.js';
export type { EngineEvent, EventClient, EventSubscription } from './event-client.js';
export type { ExecClient, ExecKill, ExecProcess, ExecSpec } from './exec-client.js';
export type { BuildSpec, ImageClient, ImageHealthcheck, ImageRecord, PushSpec } from './image-client.js';
export type { LogLine } from './log-lines.js';
export type { NetworkClient } from './network-client.js';
export type { SystemClient } from './system-client.js';
export type { VolumeClient, VolumeRecord, VolumeUsage } from './volume-client.js';

/**
 * The narrow engine seam the rest of berth uses to reach the Docker engine, one part per resource (each in its own
 * file beside this one, its types re-exported here); only the Docker* and Swarm* adapters in this folder implement it.
 */
export interface Engine extends ContainerClient, ExecClient, ImageClient, NetworkClient, EventClient, VolumeClient, SystemClient {}
