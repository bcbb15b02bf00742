import { describe, expect, it } from 'vitest';
import { isBuildStepCommand } from '../../../src/engine/build-step.js';

describe('isBuildStepCommand (the classic builder\'s metadata step containers)', () => {
  it('knows a LABEL step container by its #(nop) command, as the engine lists and inspects it', () => {
    expect(isBuildStepCommand(['/bin/sh', '-c', '#(nop) ', 'LABEL berth.domain=d'])).toBe(true);
    expect(isBuildStepCommand("/bin/sh -c '#(nop) ' LABEL berth.domain=d")).toBe(true);
  });
  it('is false for real commands and for none', () => {
    expect(isBuildStepCommand(['/bin/sh', '-c', 'echo hi'])).toBe(false);
    expect(isBuildStepCommand(['python', '-m', 'app', '#(nop)'])).toBe(false);
    expect(isBuildStepCommand(null)).toBe(false);
    expect(isBuildStepCommand(undefined)).toBe(false);
  });
});
