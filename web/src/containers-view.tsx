import { useCallback, useEffect, useState } from 'preact/hooks';
import { ErrorText } from './error-text.js';
import type { FabricError } from './fabric.js';
import type { BerthEvent, ContainerDict } from './types.js';
import { useFabric, useFabricStatus } from './use-fabric.js';
import { megabytes, since } from './format.js';
import { useUsage } from './use-usage.js';
import { CreateForm } from './create-form.js';

/**
 * Containers: D/list when the page joins (and after every reconnect), then kept live from D/events without reloading.
 */
export function ContainersView() {
  const fabric = useFabric();
  const status = useFabricStatus();
  const [containers, setContainers] = useState<Map<string, ContainerDict>>(new Map());
  const [errors, setErrors] = useState<Map<string, FabricError>>(new Map());
  const [listError, setListError] = useState<FabricError>();

  useEffect(() => {
    if (status.kind !== 'open') return;
    let live = true;
    const onEvent = (args: unknown[]) => {
      const e = args[0] as BerthEvent | undefined;
      if (!e || typeof e.name !== 'string' || e.event.startsWith('image-')) return;
      setContainers((now) => {
        const next = new Map(now);
        if (e.event === 'removed' && e.replica === undefined) next.delete(e.name);
        else if (e.container) next.set(e.name, e.container);
        return next;
      });
    };
    const stop = fabric.subscribe(fabric.uri('events'), onEvent);
    fabric.call<ContainerDict[]>(fabric.uri('list')).then(
      (list) => live && (setContainers(new Map(list.map((c) => [c.name, c]))), setListError(undefined)),
      (err: FabricError) => live && setListError(err),
    );
    return () => {
      live = false;
      stop();
    };
  }, [fabric, status.kind]);

  const act = useCallback(
    async (name: string, action: 'start' | 'stop' | 'restart' | 'remove') => {
      if (action === 'remove' && !confirm(`Remove container ${name}? Its data volumes are kept.`)) return;
      setErrors((m) => withoutKey(m, name));
      try {
        const result = action === 'remove' ? await fabric.call(fabric.uri('remove'), [name]) : await fabric.call<ContainerDict>(fabric.uri(`${name}/${action}`));
        setContainers((now) => {
          const next = new Map(now);
          if (action === 'remove') next.delete(name);
          else next.set(name, result as ContainerDict);
          return next;
        });
      } catch (err) {
        setErrors((m) => new Map(m).set(name, err as FabricError));
      }
    },
    [fabric],
  );

  const rows = [...containers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const usage = useUsage(fabric, rows.filter((c) => c.state === 'running').map((c) => c.name), status.kind === 'open');
  const owners = new Set(rows.map((c) => c.owner));
  return (
    <section aria-labelledby="containers-title">
      <h2 id="containers-title">Containers</h2>
      <ErrorText error={listError} />
      <CreateForm onCreated={(c) => setContainers((now) => new Map(now).set(c.name, c))} />
      {rows.length === 0 ? (
        <p class="empty">No containers.</p>
      ) : (
        <table class="list" data-testid="containers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Image</th>
              <th scope="col">State</th>
              <th scope="col">Status</th>
              <th scope="col">Uptime</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              {owners.size > 1 && <th scope="col">Owner</th>}
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.name} data-name={c.name}>
                <td>
                  <a href={`#/containers/${c.name}`}>{c.name}</a>
                </td>
                <td data-label="Image">{c.image}</td>
                <td data-label="State">
                  <span class={`state state-${c.state}`} data-testid="state">
                    {c.state}
                  </span>
                  {c.health && <span class={`health health-${c.health}`}> ({c.health})</span>}
                </td>
                <td data-label="Status">{c.status}</td>
                <td data-label="Uptime">{c.state === 'running' && c.startedAt ? since(c.startedAt) : '—'}</td>
                <td data-label="CPU" data-testid="cpu">{c.state === 'running' && usage.get(c.name)?.[0] ? `${usage.get(c.name)![0]!.cpuPercent.toFixed(1)} %` : '—'}</td>
                <td data-label="Memory" data-testid="memory">{c.state === 'running' && usage.get(c.name)?.[0] ? megabytes(usage.get(c.name)![0]!.memoryUsage) : '—'}</td>
                {owners.size > 1 && <td data-label="Owner">{c.owner}</td>}
                <td class="actions">
                  {c.state === 'running' ? (
                    <button type="button" onClick={() => void act(c.name, 'stop')} aria-label={`stop ${c.name}`}>
                      Stop
                    </button>
                  ) : (
                    <button type="button" onClick={() => void act(c.name, 'start')} aria-label={`start ${c.name}`}>
                      Start
                    </button>
                  )}
                  <button type="button" onClick={() => void act(c.name, 'restart')} aria-label={`restart ${c.name}`}>
                    Restart
                  </button>
                  <button type="button" class="danger" onClick={() => void act(c.name, 'remove')} aria-label={`remove ${c.name}`}>
                    Remove
                  </button>
                  <ErrorText error={errors.get(c.name)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function withoutKey<K, V>(m: Map<K, V>, key: K): Map<K, V> {
  const next = new Map(m);
  next.delete(key);
  return next;
}
