import { describe, expect, it } from 'vitest';
import { engineSecurity } from '../../src/engine/engine-security.js';

describe("the engine's security options, as berth's join line states them", () => {
  it('reads seccomp, userns and rootless from SecurityOptions', () => {
    expect(engineSecurity(['name=seccomp,profile=default'])).toEqual({ userns: false, rootless: false, seccomp: 'default' });
    expect(engineSecurity(['name=apparmor', 'name=seccomp,profile=builtin', 'name=userns', 'name=rootless', 'name=cgroupns'])).toEqual({ userns: true, rootless: true, seccomp: 'builtin' });
    expect(engineSecurity([])).toEqual({ userns: false, rootless: false, seccomp: false });
  });
});
