import { describe, expect, it } from 'vitest';
import { buildName, containerName } from '../../../src/appliance/names.js';
import { isConcreteUri } from '../../../src/router/uri.js';
import { applianceUri, containerDomain, containerUri } from '../../../src/wamp/uris.js';

// Names: `build('a..b', …)` passed the name check and berth then published to `berth/build/a..b`, an invalid
// URI, and Crossbar.io closed berth's session. Every URI berth builds from a valid name must be a valid URI.
describe('names that make URIs', () => {
  const D = 'xs.demo.berth';

  it.each(['a..b', 'a.', 'a.-', 'x..', 'a#b', 'a b', '', '.a', 'a/b', 'A'])('build name %j is refused', (name) => {
    expect(buildName.safeParse(name).success).toBe(false);
  });

  it.each(['a', 'a.b', 'web-1', 'x_y.z-2', '0'])('build name %j is accepted and makes valid URIs', (name) => {
    expect(buildName.safeParse(name).success).toBe(true);
    expect(isConcreteUri(applianceUri(D, `build/${name}`))).toBe(true);
  });

  it.each(['a..b', 'a.b', 'a#', 'a b', '', '-a', 'a/b'])('container name %j is refused', (name) => {
    expect(containerName.safeParse(name).success).toBe(false);
  });

  it('random valid names always make valid URIs', () => {
    const alphabet = 'abcz09._-';
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const name = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      if (buildName.safeParse(name).success) {
        accepted++;
        expect(isConcreteUri(applianceUri(D, `build/${name}`)), name).toBe(true);
      }
      if (containerName.safeParse(name).success) {
        accepted++;
        expect(isConcreteUri(containerUri(D, name, 'start')), name).toBe(true);
        expect(isConcreteUri(`${containerDomain(D, name)}/hello`), name).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(500);
  });
});
