import { describe, expect, it } from 'vitest';
import { generateDockerfile, healthcheckInstruction } from '../../../src/pipeline/dockerfile.js';
import { parseRunfile } from '../../../src/pipeline/runfile.js';

// Health: Run.yaml Healthcheck becomes the image's Docker health check.
describe('HEALTHCHECK in the generated Dockerfile', () => {
  it('comes right after CMD, with durations in milliseconds and the command in JSON exec form (no zero start period: engine 20.10 refuses it)', () => {
    const run = parseRunfile('Base: busybox\nCommand: sleep 1000\nHealthcheck:\n  Command: [wget, -q, -O-, "http://127.0.0.1:8080/health"]\n  Interval: 1m30s\n  Timeout: 2s\n  Retries: 4\n  StartPeriod: 0s\n');
    const lines = generateDockerfile('b', run, 'd').trim().split('\n');
    expect(lines.at(-2)).toBe('CMD ["/bin/sh","-c","sleep 1000"]');
    expect(lines.at(-1)).toBe('HEALTHCHECK --interval=90000ms --timeout=2000ms --retries=4 CMD ["wget","-q","-O-","http://127.0.0.1:8080/health"]');
  });

  it('is absent without a Healthcheck', () => {
    expect(generateDockerfile('b', parseRunfile('Base: busybox\nCommand: x\n'), 'd')).not.toContain('HEALTHCHECK');
  });

  it('uses the defaults for what Run.yaml leaves out', () => {
    const run = parseRunfile('Base: busybox\nCommand: x\nHealthcheck:\n  Command: [/bin/true]\n');
    expect(generateDockerfile('b', run, 'd')).toContain('HEALTHCHECK --interval=10000ms --timeout=3000ms --retries=3 --start-period=10000ms CMD ["/bin/true"]\n');
  });

  it('cannot be made to add an instruction: quotes, newlines and brackets stay inside the JSON strings', () => {
    const run = { Command: 'x', Setup: [], Healthcheck: { Command: ['sh', '"]\nRUN evil', '\\'], Interval: 1000, Timeout: 1000, Retries: 1, StartPeriod: 0 } };
    const lines = generateDockerfile('b', run, 'd').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('RUN'))).toEqual([]);
    expect(JSON.parse(lines.at(-1)!.split(' CMD ')[1]!)).toEqual(['sh', '"]\nRUN evil', '\\']);
  });

  it('refuses durations that are not whole non-negative milliseconds (no other text can reach the line)', () => {
    const base = { Command: ['true'], Interval: 1000, Timeout: 1000, Retries: 1, StartPeriod: 0 };
    expect(() => healthcheckInstruction({ ...base, Interval: 1.5 })).toThrow();
    expect(() => healthcheckInstruction({ ...base, Timeout: -1 })).toThrow();
    expect(() => healthcheckInstruction({ ...base, StartPeriod: Number.NaN })).toThrow();
    expect(() => healthcheckInstruction({ ...base, Retries: '3\nRUN x' as unknown as number })).toThrow();
  });
});
