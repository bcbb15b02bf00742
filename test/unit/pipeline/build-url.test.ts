import { describe, expect, it } from 'vitest';
import { parseBuildUrl } from '../../../src/pipeline/build-url.js';
import { isRefusedAddress } from '../../../src/pipeline/refused-address.js';
import { resolveHost } from '../../../src/pipeline/resolve-host.js';
import { isBerthError } from '../../../src/errors.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isBerthError(err) ? err.code : String(err);
  }
}

describe('parseBuildUrl', () => {
  it('accepts http(s) URLs with Docker #ref:subdir fragments', () => {
    expect(parseBuildUrl('https://example.com/a/b.git')).toMatchObject({ cloneUrl: 'https://example.com/a/b.git', protocol: 'https', host: 'example.com', port: 443, ref: null, subdir: null });
    expect(parseBuildUrl('http://example.com:8080/r.git#v1.2')).toMatchObject({ port: 8080, ref: 'v1.2', subdir: null, source: 'http://example.com:8080/r.git#v1.2' });
    expect(parseBuildUrl('https://example.com/r#main:services/api')).toMatchObject({ ref: 'main', subdir: 'services/api' });
    expect(parseBuildUrl('https://example.com/r#:services/api/')).toMatchObject({ ref: null, subdir: 'services/api', source: 'https://example.com/r#:services/api' });
    expect(parseBuildUrl('https://[2001:4860::1]/r')).toMatchObject({ host: '2001:4860::1' });
    expect(parseBuildUrl('HTTPS://Example.COM/r')).toMatchObject({ cloneUrl: 'https://example.com/r' });
  });

  it.each([
    'ext::sh -c touch% /tmp/x', 'file:///etc/passwd', 'ssh://git@example.com/r.git', 'git://example.com/r.git', 'git@example.com:r.git',
    '/srv/repo', './repo', '../repo', '-c', '--upload-pack=touch /tmp/x', 'https://user:pw@example.com/r', 'https://token@example.com/r',
    'not a url', 'http://', 'https://example.com/r?x=1', 'https://example.com/r#--upload-pack=x', 'https://example.com/r#main:../x',
    'https://example.com/r#main:/etc', 'https://example.com/r#a..b', 'https://example.com/r#main:a/./b', 'https://example.com/r\n', '',
    'https://exa mple.com/r', 'https://example.com\\@evil.com/r', `https://example.com/${'a'.repeat(3000)}`,
  ])('refuses %j as invalid_url', (url) => {
    expect(code(() => parseBuildUrl(url))).toBe('invalid_url');
  });
});

describe('isRefusedAddress', () => {
  it.each([
    '127.0.0.1', '127.255.0.1', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1',
    '224.0.0.1', '255.255.255.255', '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', 'fe80::1', 'fc00::1', 'fd12::1',
    'ff02::1', '64:ff9b::a00:1', '2002:7f00:1::', '::127.0.0.1',
  ])('refuses %s', (a) => expect(isRefusedAddress(a)).toBe(true));

  it.each(['8.8.8.8', '140.82.112.3', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2001:4860:4860::8888'])('allows %s', (a) =>
    expect(isRefusedAddress(a)).toBe(false));
});

describe('resolveHost', () => {
  it('refuses literal private addresses and localhost without any lookup, unless allowed', async () => {
    await expect(resolveHost('127.0.0.1', false)).rejects.toMatchObject({ code: 'invalid_url' });
    await expect(resolveHost('localhost', false)).rejects.toMatchObject({ code: 'invalid_url' });
    await expect(resolveHost('::1', false)).rejects.toMatchObject({ code: 'invalid_url' });
    expect(await resolveHost('127.0.0.1', true)).toBe('127.0.0.1');
    expect(await resolveHost('8.8.8.8', false)).toBe('8.8.8.8');
  });
});
