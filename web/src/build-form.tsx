import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorText } from './error-text.js';
import type { FabricError } from './fabric.js';
import { useFabric } from './use-fabric.js';

/** The longest build log the page keeps (the last lines); a build's own output is bounded by build.maxOutputBytes. */
const MAX_LINES = 5000;

/** D/build as a form: name and git URL; every line streams into the page as it arrives; Cancel calls D/cancelBuild. */
export function BuildForm({ onBuilt }: { onBuilt: () => void }) {
  const fabric = useFabric();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [lines, setLines] = useState<string[]>([]);
  const [running, setRunning] = useState<string>();
  const [outcome, setOutcome] = useState<string>();
  const [error, setError] = useState<FabricError>();
  const log = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [lines]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const building = name.trim();
    setError(undefined);
    setOutcome(undefined);
    setLines([]);
    setRunning(building);
    const started = Date.now();
    try {
      await fabric.callProgressive<string[]>(fabric.uri('build'), [building, url.trim()], ([line]) =>
        setLines((now) => [...now, String(line)].slice(-MAX_LINES)),
      );
      setOutcome(`built ${building} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      onBuilt();
    } catch (err) {
      setError(err as FabricError);
    } finally {
      setRunning(undefined);
    }
  };

  const cancel = async () => {
    if (!running) return;
    try {
      await fabric.call(fabric.uri('cancelBuild'), [running]);
    } catch (err) {
      setError(err as FabricError);
    }
  };

  return (
    <form class="create" onSubmit={(e) => void submit(e)} aria-labelledby="build-title">
      <h3 id="build-title">Build an image</h3>
      <div class="fields">
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required placeholder="hello" />
        </label>
        <label class="grow">
          Git URL
          <input value={url} onInput={(e) => setUrl(e.currentTarget.value)} required type="url" placeholder="https://host/repo.git#branch:subdir" />
        </label>
      </div>
      <div class="buttons">
        <button type="submit" class="primary" disabled={running !== undefined}>
          {running ? 'Building…' : 'Build'}
        </button>
        {running && (
          <button type="button" class="danger" onClick={() => void cancel()}>
            Cancel build
          </button>
        )}
      </div>
      {(lines.length > 0 || running) && (
        <pre class="log" ref={log} aria-label="build log" aria-live="polite" tabIndex={0}>
          {lines.join('\n')}
        </pre>
      )}
      {outcome && <p class="ok" role="status">{outcome}</p>}
      <ErrorText error={error} />
    </form>
  );
}
