import type { Engine } from '../engine/engine.js';
import type { Metrics } from './metrics.js';

/**
 * The engine with every request timed into `berth_engine_request_duration_seconds`, labelled by the `Engine` method
 * (a fixed set of names, unlike URLs, which carry ids). Only methods that return a promise are timed; the engine's
 * own code stays unaware of metrics. Disabled metrics: the engine itself.
 */
export function timedEngine(engine: Engine, metrics: Metrics): Engine {
  if (!metrics.enabled) return engine;
  const wrapped = new Map<PropertyKey, unknown>();
  const target = engine;
  // The proxy stands on a shell with the engine's prototype (instanceof still answers), not on the engine itself: the
  // Docker engine's methods are read-only own properties, which a proxy must hand out unchanged.
  const shell = Object.create(Object.getPrototypeOf(engine) as object) as Engine;
  return new Proxy(shell, {
    has: (_shell, key) => Reflect.has(target, key),
    set: (_shell, key, value) => Reflect.set(target, key, value),
    get(_shell, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      let timed = wrapped.get(key);
      if (!timed) {
        timed = function (this: unknown, ...args: unknown[]) {
          const started = process.hrtime.bigint();
          const result: unknown = Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
          if (!(result instanceof Promise)) return result;
          const done = () => metrics.engineRequest(key, Number(process.hrtime.bigint() - started) / 1e9);
          result.then(done, done);
          return result;
        };
        wrapped.set(key, timed);
      }
      return timed;
    },
  });
}
