import { useEffect, useState } from 'preact/hooks';
import { ContainersView } from './containers-view.js';
import { ImagesView } from './images-view.js';
import { useFabric, useFabricStatus } from './use-fabric.js';

type Route = { view: 'containers' } | { view: 'images' };

function route(): Route {
  return location.hash.startsWith('#/images') ? { view: 'images' } : { view: 'containers' };
}

/** The page: a banner while the router is away (the page reconnects by itself), navigation, then one view. */
export function App() {
  const fabric = useFabric();
  const status = useFabricStatus();
  const [where, setWhere] = useState(route());
  useEffect(() => {
    const onHash = () => setWhere(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return (
    <>
      <header>
        <h1>berth</h1>
        <nav aria-label="views">
          <a href="#/containers" aria-current={where.view === 'containers' ? 'page' : undefined}>
            Containers
          </a>
          <a href="#/images" aria-current={where.view === 'images' ? 'page' : undefined}>
            Images
          </a>
        </nav>
        <span class="where">
          {fabric.config.domain} on {fabric.url}
        </span>
      </header>
      {status.kind === 'lost' && (
        <div class="banner" role="status" data-testid="banner">
          Lost the router ({status.reason}); reconnecting…
        </div>
      )}
      {status.kind === 'connecting' && (
        <div class="banner quiet" role="status">
          Connecting…
        </div>
      )}
      <main>{where.view === 'images' ? <ImagesView /> : <ContainersView />}</main>
    </>
  );
}
