import type { ContainerRecord } from '../engine/engine.js';

/** The engine's human status ("Up 5 minutes", "Exited (0) 2 hours ago"), computed from the record so list() needs no engine call. */
export function containerStatus(c: ContainerRecord, now = Date.now()): string {
  const since = (t: string | null) => humanDuration(now - Date.parse(t ?? '')); 
  switch (c.state) {
    case 'running': {
      const health = c.health && c.health !== 'none' ? ` (${c.health === 'starting' ? 'health: starting' : c.health})` : '';
      return `Up ${since(c.startedAt)}${health}`;
    }
    case 'paused':
      return `Up ${since(c.startedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${c.exitCode ?? 0}) ${since(c.finishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    default:
      if (!c.startedAt) return 'Created';
      if (!c.finishedAt) return '';
      return `Exited (${c.exitCode ?? 0}) ${since(c.finishedAt)} ago`;
  }
}

/** go-units HumanDuration, which the Docker CLI and engine use. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}
