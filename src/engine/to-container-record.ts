import type Dockerode from 'dockerode';
import type { ContainerRecord, ContainerUsage, HealthProbe, ImageHealthcheck } from './engine.js';
import { LABELS } from './labels.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The stats fields berth reads (`GET /containers/{id}/stats?stream=false`). */
export interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number };
}


/** Usage as `docker stats` shows it. */
export function toUsage(s: DockerStats): ContainerUsage {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const stats = s.memory_stats?.stats ?? {};
  // As the Docker CLI shows it: usage minus page cache (cgroup v1 "cache", v2 "inactive_file").
  const cache = stats.inactive_file ?? stats.total_inactive_file ?? stats.cache ?? 0;
  const usage = Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
  return {
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memoryUsage: usage,
    memoryLimit: s.memory_stats?.limit ?? 0,
    pids: s.pids_stats?.current ?? 0,
  };
}

function time(t: string | undefined): string | null {
  return !t || t === ZERO_TIME ? null : t;
}


/** An inspect answer as berth keeps it. */
export function toContainerRecord(info: Dockerode.ContainerInspectInfo): ContainerRecord {
  const labels = info.Config.Labels ?? {};
  const host = info.HostConfig;
  const state = info.State;
  return {
    id: info.Id,
    engineName: info.Name.replace(/^\//, ''),
    name: labels[LABELS.name] ?? info.Name.replace(/^\//, ''),
    domain: labels[LABELS.domain] ?? '',
    image: labels[LABELS.image] ?? info.Config.Image,
    imageId: info.Image,
    state: state.Status,
    created: info.Created,
    startedAt: time(state.StartedAt),
    finishedAt: time(state.FinishedAt),
    exitCode: state.StartedAt && state.StartedAt !== ZERO_TIME ? state.ExitCode : null,
    restarting: state.Restarting,
    oomKilled: state.OOMKilled ?? false,
    restartCount: info.RestartCount ?? 0,
    health: state.Health?.Status ?? null,
    lastHealthCheck: lastProbe(state.Health?.Log),
    labels,
    env: info.Config.Env ?? [],
    cmd: asList(info.Config.Cmd),
    entrypoint: asList(info.Config.Entrypoint),
    workingDir: info.Config.WorkingDir ?? '',
    user: info.Config.User ?? '',
    resources: {
      memory: host.Memory || null,
      memorySwap: host.MemorySwap || null,
      nanoCpus: host.NanoCpus || null,
      pidsLimit: host.PidsLimit || null,
      restartPolicy: host.RestartPolicy?.Name || 'no',
      readonlyRootfs: host.ReadonlyRootfs ?? false,
      capDrop: host.CapDrop ?? [],
      capAdd: host.CapAdd ?? [],
      securityOpt: host.SecurityOpt ?? [],
      privileged: host.Privileged ?? false,
      // berth attaches by network ID (names can be ambiguous); show the name the network goes by.
      networkMode: Object.keys(info.NetworkSettings?.Networks ?? {})[0] ?? host.NetworkMode ?? 'default',
      pidMode: host.PidMode || 'private',
      ipcMode: host.IpcMode || 'private',
      tmpfs: (host as { Tmpfs?: Record<string, string> }).Tmpfs ?? {},
      ulimits: (host.Ulimits ?? []).map((u) => ({ name: u.Name ?? '', soft: u.Soft ?? 0, hard: u.Hard ?? 0 })),
      log: { type: host.LogConfig?.Type ?? '', config: host.LogConfig?.Config ?? {} },
      // A named volume by its name: its source would be a path on the engine's host, which callers have no use for.
      mounts: (info.Mounts ?? []).map((m) => `${m.Type}:${(m.Type === 'volume' ? m.Name : m.Source) ?? ''}:${m.Destination}`),
    },
  };
}

function lastProbe(log: unknown): HealthProbe | null {
  const last = Array.isArray(log) ? (log.at(-1) as { ExitCode?: unknown; Output?: unknown; End?: unknown } | undefined) : undefined;
  if (!last) return null;
  return { exitCode: Number(last.ExitCode ?? -1), output: String(last.Output ?? ''), end: String(last.End ?? '') };
}

/** Config.Healthcheck as the engine applies it (0 means its default), or null when the image has none or disables it. */
export function toImageHealthcheck(h: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number } | undefined): ImageHealthcheck | null {
  if (!h?.Test?.length || h.Test[0] === 'NONE') return null;
  const ms = (ns: number | undefined, fallback: number) => (ns ? Math.round(ns / 1e6) : fallback);
  return {
    test: h.Test,
    intervalMs: ms(h.Interval, 30_000),
    timeoutMs: ms(h.Timeout, 30_000),
    retries: h.Retries || 3,
    startPeriodMs: ms(h.StartPeriod, 0),
  };
}

function asList(v: unknown): string[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}
