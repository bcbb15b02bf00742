import { useCallback, useEffect, useState } from 'preact/hooks';
import { BuildForm } from './build-form.js';
import { ErrorText } from './error-text.js';
import type { FabricError } from './fabric.js';
import { megabytes, repositoryLink, since } from './format.js';
import type { BerthEvent, ContainerDict, ImageDict } from './types.js';
import { useFabric, useFabricStatus } from './use-fabric.js';

/** Images: D/images, refreshed on every image event of D/events; the build form; remove. */
export function ImagesView() {
  const fabric = useFabric();
  const open = useFabricStatus().kind === 'open';
  const [images, setImages] = useState<ImageDict[]>([]);
  const [containers, setContainers] = useState<ContainerDict[]>([]);
  const [listError, setListError] = useState<FabricError>();
  const [errors, setErrors] = useState<Map<string, FabricError>>(new Map());

  const refresh = useCallback(() => {
    Promise.all([fabric.call<ImageDict[]>(fabric.uri('images')), fabric.call<ContainerDict[]>(fabric.uri('list'))]).then(
      ([i, c]) => {
        setImages(i);
        setContainers(c);
        setListError(undefined);
      },
      (err: FabricError) => setListError(err),
    );
  }, [fabric]);

  useEffect(() => {
    if (!open) return;
    refresh();
    return fabric.subscribe(fabric.uri('events'), (args) => {
      const e = args[0] as BerthEvent | undefined;
      if (e && (e.event.startsWith('image-') || e.event === 'created' || e.event === 'removed')) refresh();
    });
  }, [fabric, open, refresh]);

  const remove = async (name: string) => {
    if (!confirm(`Remove image ${name}?`)) return;
    setErrors((m) => new Map([...m].filter(([k]) => k !== name)));
    try {
      await fabric.call(fabric.uri('removeImage'), [name]);
      refresh();
    } catch (err) {
      setErrors((m) => new Map(m).set(name, err as FabricError));
    }
  };

  return (
    <section aria-labelledby="images-title">
      <h2 id="images-title">Images</h2>
      <ErrorText error={listError} />
      <BuildForm onBuilt={refresh} />
      {images.length === 0 ? (
        <p class="empty">No images.</p>
      ) : (
        <table class="list" data-testid="images">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col">Built</th>
              <th scope="col">Commit</th>
              <th scope="col">Containers</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {images.map((i) => {
              const link = repositoryLink(i.url);
              const users = containers.filter((c) => c.image === i.name).map((c) => c.name);
              return (
                <tr key={i.id} data-name={i.name}>
                  <td>{i.name}</td>
                  <td data-label="Size">{megabytes(i.size)}</td>
                  <td data-label="Built">{i.built ? `${since(i.built)} ago` : '—'}</td>
                  <td data-label="Commit">
                    {i.commit ? (
                      link ? (
                        <a href={link} rel="noreferrer noopener" target="_blank" title={i.url ?? ''}>
                          {i.commit.slice(0, 12)}
                        </a>
                      ) : (
                        i.commit.slice(0, 12)
                      )
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Containers">{users.length ? users.join(', ') : '—'}</td>
                  <td class="actions">
                    <button type="button" class="danger" onClick={() => void remove(i.name)} aria-label={`remove image ${i.name}`}>
                      Remove
                    </button>
                    <ErrorText error={errors.get(i.name)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
