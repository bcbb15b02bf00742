import { ContainersView } from './containers-view.js';
import { useFabric, useFabricStatus } from './use-fabric.js';

/** The page: a banner while the router is away (the page reconnects by itself), then the views. */
export function App() {
  const fabric = useFabric();
  const status = useFabricStatus();
  return (
    <>
      <header>
        <h1>berth</h1>
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
      <main>
        <ContainersView />
      </main>
    </>
  );
}
