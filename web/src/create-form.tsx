import { useEffect, useState } from 'preact/hooks';
import { ErrorText } from './error-text.js';
import type { FabricError } from './fabric.js';
import type { ContainerDict, ImageDict } from './types.js';
import { useFabric, useFabricStatus } from './use-fabric.js';

interface EnvRow {
  readonly key: string;
  readonly value: string;
}

/** D/create as a form: image, name, environment rows, resources (each left empty: berth's defaults). */
export function CreateForm({ onCreated }: { onCreated: (c: ContainerDict) => void }) {
  const fabric = useFabric();
  const open = useFabricStatus().kind === 'open';
  const [images, setImages] = useState<ImageDict[]>([]);
  const [image, setImage] = useState('');
  const [name, setName] = useState('');
  const [env, setEnv] = useState<EnvRow[]>([]);
  const [memory, setMemory] = useState('');
  const [cpus, setCpus] = useState('');
  const [pids, setPids] = useState('');
  const [error, setError] = useState<FabricError>();
  const [busy, setBusy] = useState(false);

  // The images to choose from, read whenever the page (re)joins.
  useEffect(() => {
    if (!open) return;
    fabric.call<ImageDict[]>(fabric.uri('images')).then(
      (list) => {
        setImages(list);
        setImage((now) => now || list[0]?.name || '');
      },
      (err: FabricError) => setError(err),
    );
  }, [fabric, open]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const environment = Object.fromEntries(env.filter((r) => r.key.trim()).map((r) => [r.key.trim(), r.value]));
    const resources: Record<string, string | number> = {};
    if (memory.trim()) resources.memory = memory.trim();
    if (cpus.trim()) resources.cpus = Number(cpus);
    if (pids.trim()) resources.pids = Number(pids);
    try {
      const created = await fabric.call<ContainerDict>(fabric.uri('create'), [image, name.trim()], { environment, resources });
      onCreated(created);
      setName('');
      setEnv([]);
    } catch (err) {
      setError(err as FabricError);
    } finally {
      setBusy(false);
    }
  };

  const setRow = (i: number, row: EnvRow) => setEnv((rows) => rows.map((r, j) => (j === i ? row : r)));
  return (
    <form class="create" onSubmit={(e) => void submit(e)} aria-labelledby="create-title">
      <h3 id="create-title">Create a container</h3>
      <div class="fields">
        <label>
          Image
          <select value={image} onChange={(e) => setImage(e.currentTarget.value)} required>
            {images.map((i) => (
              <option key={i.name} value={i.name}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,62}" placeholder="web1" />
        </label>
        <label>
          Memory
          <input value={memory} onInput={(e) => setMemory(e.currentTarget.value)} placeholder="default" inputMode="text" />
        </label>
        <label>
          CPUs
          <input value={cpus} onInput={(e) => setCpus(e.currentTarget.value)} placeholder="default" inputMode="decimal" />
        </label>
        <label>
          PIDs
          <input value={pids} onInput={(e) => setPids(e.currentTarget.value)} placeholder="default" inputMode="numeric" />
        </label>
      </div>
      <fieldset>
        <legend>Environment</legend>
        {env.map((row, i) => (
          <div class="env-row" key={i}>
            <input aria-label={`variable ${i + 1} name`} value={row.key} onInput={(e) => setRow(i, { ...row, key: e.currentTarget.value })} placeholder="NAME" />
            <input aria-label={`variable ${i + 1} value`} value={row.value} onInput={(e) => setRow(i, { ...row, value: e.currentTarget.value })} placeholder="value" />
            <button type="button" onClick={() => setEnv((rows) => rows.filter((_, j) => j !== i))} aria-label={`remove variable ${i + 1}`}>
              ×
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setEnv((rows) => [...rows, { key: '', value: '' }])}>
          Add variable
        </button>
      </fieldset>
      <button type="submit" class="primary" disabled={busy || !image}>
        {busy ? 'Creating…' : 'Create'}
      </button>
      <ErrorText error={error} />
    </form>
  );
}
