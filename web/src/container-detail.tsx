import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorText } from './error-text.js';
import type { FabricError } from './fabric.js';
import { megabytes } from './format.js';
import { Sparkline } from './sparkline.js';
import { useFabric, useFabricStatus } from './use-fabric.js';
import { USAGE_EVERY_MS, useUsage } from './use-usage.js';

interface Inspect {
  name: string;
  image: string;
  domain: string;
  state: string;
  status: string;
  owner: string;
  oomKilled: boolean;
  config: {
    environment: Record<string, string>;
    command: string[] | null;
    user: string;
    resources: { memory: number | null; cpus: number | null; pids: number | null; nofile: number | null };
    security: { privileged: boolean; readonlyRootfs: boolean; capDrop: string[]; capAdd: string[]; securityOpt: string[]; tmpfs: Record<string, string>; mounts: string[] };
    restartPolicy: string;
    network: string;
  };
}

interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  time: string;
}

/** Lines the page keeps; older ones scroll away. */
const MAX_LINES = 5000;
/** Usage samples kept for the sparklines: the last 5 minutes at one sample per 2 s. */
const SAMPLES = (5 * 60 * 1000) / USAGE_EVERY_MS;

/** One container: its sandbox in words, its live logs (tail, then D/<name>/logs) and its usage of the last minutes. */
export function ContainerDetail({ name }: { name: string }) {
  const fabric = useFabric();
  const open = useFabricStatus().kind === 'open';
  const [inspect, setInspect] = useState<Inspect>();
  const [error, setError] = useState<FabricError>();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LogLine[]>([]);
  const [search, setSearch] = useState('');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const usage = useUsage(fabric, [name], open, SAMPLES).get(name) ?? [];

  useEffect(() => {
    if (!open) return;
    let live = true;
    fabric.call<Inspect>(fabric.uri(`${name}/inspect`)).then(
      (i) => live && setInspect(i),
      (err: FabricError) => live && setError(err),
    );
    // The topic first, then the tail: a line written in between is not lost (it may show twice at the seam).
    const stop = fabric.subscribe(fabric.uri(`${name}/logs`), (args) => {
      const l = args[0] as LogLine | undefined;
      if (!l || typeof l.line !== 'string') return;
      if (pausedRef.current) setHeld((h) => [...h, l].slice(-MAX_LINES));
      else setLines((now) => [...now, l].slice(-MAX_LINES));
    });
    fabric.call<string>(fabric.uri(`${name}/logs`), [200]).then(
      (text) =>
        live &&
        setLines((now) => [
          ...text
            .split('\n')
            .filter((l, i, all) => l !== '' || i < all.length - 1)
            .map((line) => ({ stream: 'stdout' as const, line, time: '' })),
          ...now,
        ]),
      (err: FabricError) => live && setError(err),
    );
    return () => {
      live = false;
      stop();
    };
  }, [fabric, name, open]);

  const resume = () => {
    setPaused(false);
    setLines((now) => [...now, ...held].slice(-MAX_LINES));
    setHeld([]);
  };

  const shown = useMemo(() => (search ? lines.filter((l) => l.line.toLowerCase().includes(search.toLowerCase())) : lines), [lines, search]);
  const last = usage[usage.length - 1];
  return (
    <section aria-labelledby="detail-title">
      <p>
        <a href="#/containers">← Containers</a>
      </p>
      <h2 id="detail-title">{name}</h2>
      <ErrorText error={error} />
      {inspect && <Sandbox inspect={inspect} />}
      <h3>Usage</h3>
      <div class="usage">
        <div>
          CPU {last ? `${last.cpuPercent.toFixed(1)} %` : '—'}
          <Sparkline values={usage.map((u) => u.cpuPercent)} max={100} label={`CPU of ${name} over the last minutes`} />
        </div>
        <div>
          Memory {last ? `${megabytes(last.memoryUsage)} of ${megabytes(last.memoryLimit)}` : '—'}
          <Sparkline values={usage.map((u) => u.memoryUsage)} max={last?.memoryLimit ?? 1} label={`memory of ${name} over the last minutes`} />
        </div>
      </div>
      <h3>Logs</h3>
      <div class="log-tools">
        <label>
          Search
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        {paused ? (
          <button type="button" onClick={resume}>
            Resume ({held.length} new)
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)}>
            Pause
          </button>
        )}
      </div>
      <pre class="log" aria-label={`logs of ${name}`} tabIndex={0} data-testid="logs">
        {shown.map((l, i) => (
          <span key={i} class={l.stream === 'stderr' ? 'stderr' : undefined}>
            {l.line}
            {'\n'}
          </span>
        ))}
      </pre>
    </section>
  );
}

/** The sandbox in force, in words. */
function Sandbox({ inspect }: { inspect: Inspect }) {
  const c = inspect.config;
  const r = c.resources;
  const s = c.security;
  const rows: [string, string][] = [
    ['Image', inspect.image],
    ['State', `${inspect.state} (${inspect.status})${inspect.oomKilled ? ', killed for lack of memory' : ''}`],
    ['Domain', inspect.domain],
    ['Owner', inspect.owner],
    ['Runs as', c.user || 'the image\'s user'],
    ['Command', c.command?.join(' ') ?? '—'],
    ['Memory', r.memory ? `${megabytes(r.memory)}, no swap` : 'no limit'],
    ['CPUs', r.cpus ? String(r.cpus) : 'no limit'],
    ['Processes', r.pids ? `at most ${r.pids}` : 'no limit'],
    ['Open files', r.nofile ? `at most ${r.nofile}` : 'default'],
    ['Root file system', s.readonlyRootfs ? `read-only; writable: ${Object.keys(s.tmpfs).join(', ') || 'nothing'}` : 'writable'],
    ['Capabilities', s.capAdd.length ? `all dropped except ${s.capAdd.join(', ')}` : s.capDrop.includes('ALL') ? 'all dropped' : `dropped: ${s.capDrop.join(', ') || 'none'}`],
    ['Privilege escalation', s.securityOpt.some((o) => o.startsWith('no-new-privileges')) ? 'blocked (no-new-privileges)' : 'allowed'],
    ['Privileged', s.privileged ? 'YES' : 'no'],
    ['Volumes', s.mounts.length ? s.mounts.join(', ') : 'none'],
    ['Network', c.network],
    ['Restart policy', c.restartPolicy],
  ];
  return (
    <>
      <dl class="sandbox">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <details>
        <summary>Environment</summary>
        <dl class="sandbox">
          {Object.entries(c.environment).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </details>
    </>
  );
}
