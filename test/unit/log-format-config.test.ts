import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.js';

describe('logFormat and waitForEngine', () => {
  it('logFormat is unset by default (pretty on a terminal, JSON otherwise), and taken from flag, environment or file', () => {
    expect(resolveConfig({}, {}).logFormat).toBeUndefined();
    expect(resolveConfig({ logFormat: 'json' }, {}).logFormat).toBe('json');
    expect(resolveConfig({}, { BERTH_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(resolveConfig({ logFormat: 'json' }, { BERTH_LOG_FORMAT: 'pretty' }).logFormat).toBe('json');
  });

  it('a log format other than pretty or json names the option, its variable and the value', () => {
    expect(() => resolveConfig({ logFormat: 'yaml' }, {})).toThrow(ConfigError);
    expect(() => resolveConfig({ logFormat: 'yaml' }, {})).toThrow(/^invalid option --log-format \(BERTH_LOG_FORMAT\): .*pretty.*json.* \(got "yaml"\)$/);
  });

  it('waitForEngine is off by default; "true", "1", "yes" turn it on; anything else is refused', () => {
    expect(resolveConfig({}, {}).waitForEngine).toBe(false);
    for (const v of ['true', '1', 'yes', 'TRUE']) expect(resolveConfig({ waitForEngine: v }, {}).waitForEngine).toBe(true);
    expect(resolveConfig({}, { BERTH_WAIT_FOR_ENGINE: '0' }).waitForEngine).toBe(false);
    expect(() => resolveConfig({ waitForEngine: 'maybe' }, {})).toThrow(/--wait-for-engine \(BERTH_WAIT_FOR_ENGINE\): must be true or false/);
  });
});
