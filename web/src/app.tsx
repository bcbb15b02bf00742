import { useEffect, useState } from 'preact/hooks';
import { ContainerDetail } from './container-detail.js';
import { ContainersView } from './containers-view.js';
import { ImagesView } from './images-view.js';
import { LoginForm } from './login-form.js';
import { useFabric, useFabricStatus } from './use-fabric.js';

type Route = { view: 'containers' } | { view: 'images' } | { view: 'container'; name: string };

function route(): Route {
  const hash = location.hash;
  if (hash.startsWith('#/images')) return { view: 'images' };
  const detail = /^#\/containers\/([A-Za-z0-9][A-Za-z0-9_-]{0,62})$/.exec(hash);
  return detail ? { view: 'container', name: detail[1]! } : { view: 'containers' };
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
          <a href="#/containers" aria-current={where.view !== 'images' ? 'page' : undefined}>
            Containers
          </a>
          <a href="#/images" aria-current={where.view === 'images' ? 'page' : undefined}>
            Images
          </a>
        </nav>
        <span class="where">
          {fabric.config.domain} on {fabric.url}
        </span>
        {status.kind === 'open' && status.authid && (
          <span class="user">
            {status.authid}{' '}
            <button type="button" onClick={() => fabric.logout()}>
              Log out
            </button>
          </span>
        )}
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
      <main>
        {status.kind === 'login' ? (
          <LoginForm reason={status.reason} />
        ) : where.view === 'images' ? (
          <ImagesView />
        ) : where.view === 'container' ? (
          <ContainerDetail key={where.name} name={where.name} />
        ) : (
          <ContainersView />
        )}
      </main>
    </>
  );
}
