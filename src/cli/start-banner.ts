import type { Joined } from '../daemon.js';
import { DEFAULT_ROUTER } from './connection.js';

/** What berth knows about its engine for the banner: which kind, its version (if it said). */
export interface BannerEngine {
  readonly kind: 'docker' | 'swarm';
  readonly version: string | undefined;
}

/**
 * The lines a person reads when berth has started (pretty logs only): where the dashboard and the router are, the realm
 * and domain, the engine and what it adds to isolation, and the next commands to try, with the connection options they
 * need when berth is not on the defaults.
 */
export function startBanner(version: string, joined: Joined, engine: BannerEngine): string {
  const connect = [
    ...(joined.router !== DEFAULT_ROUTER ? [`--router ${joined.router}`] : []),
    ...(joined.realm !== 'realm1' ? [`--realm ${joined.realm}`] : []),
    ...(joined.domain !== 'berth' ? [`--domain ${joined.domain}`] : []),
  ].join(' ');
  const berth = connect ? `berth ${connect}` : 'berth';
  const rows: [string, string][] = [
    ['dashboard', joined.dashboard ?? 'none (with --router it is served on --http HOST:PORT)'],
    ['router', `${joined.router}${joined.embedded ? ' (embedded)' : ''}`],
    ['realm', joined.realm],
    ['domain', joined.domain],
    ['engine', `${engine.kind}${engine.version ? ` ${engine.version}` : ''}, ${securityText(joined.engineSecurity)}`],
    ['try', `${berth} build hello <git URL of a project with a Run.yaml>`],
    ['', `${berth} ps`],
    ['help', 'berth doctor checks the set-up; berth --help lists every command'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`berth ${version} is ready (${joined.procedures} procedures registered)`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

function securityText(s: Joined['engineSecurity']): string {
  if (s === 'unknown') return 'security options unknown (the engine has not said)';
  return [
    s.seccomp ? `seccomp ${s.seccomp}` : 'no seccomp',
    s.userns ? 'userns-remap' : 'no userns-remap',
    s.rootless ? 'rootless' : 'not rootless',
  ].join(', ');
}
