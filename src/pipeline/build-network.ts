import type { Engine } from '../engine/engine.js';
import { LABELS } from '../engine/labels.js';
import { BerthError, isBerthError } from '../errors.js';
import { singleFlight } from '../single-flight.js';

/** Every build of a domain runs its steps on this bridge network, with inter-container traffic off. */
export function buildNetworkName(domain: string): string {
  return `berth-build-${domain}`;
}

/**
 * The domain's build network, made on first use: the returned function gives its ID. Concurrent builds share one
 * lookup-or-create (two creates at once make two networks of one name: the engine's duplicate check is best effort,
 * and the engine then refuses the name as ambiguous). An engine that cannot make it (address pools used up) fails the
 * build.
 */
export function buildNetwork(engine: Engine, domain: string): () => Promise<string> {
  const name = buildNetworkName(domain);
  const ensure = singleFlight(() => engine.ensureNetwork(name, { [LABELS.domain]: domain }, true));
  return async () => {
    try {
      return await ensure();
    } catch (err) {
      if (!isBerthError(err) || err.code === 'engine_unavailable') throw err;
      throw new BerthError('build_failed', `cannot create the build network ${name}: ${err.message}`, { network: name }, { cause: err });
    }
  };
}
