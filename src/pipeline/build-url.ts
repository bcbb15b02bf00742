import { BerthError } from '../errors.js';

/** A parsed `D/build` URL: where to clone, which ref, which subdirectory holds Run.yaml and the build context. */
export interface BuildUrl {
  /** The URL as berth records it (normalized, with the `#ref:subdir` fragment when given). */
  readonly source: string;
  /** What git clones: the normalized URL without fragment. */
  readonly cloneUrl: string;
  readonly protocol: 'http' | 'https';
  /** Host name or address without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  readonly ref: string | null;
  readonly subdir: string | null;
}

const MAX_URL = 2048;
/** Branch, tag or full commit id: refname characters only, never an option, never a path escape. */
const REF = /^(?!-)(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)[A-Za-z0-9._/+-]{1,255}$/;
const SUBDIR_SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._@+-]{1,255}$/;

/**
 * Validate before any network traffic: only http(s) URLs (Docker's `#ref:subdir` fragment allowed), no credentials,
 * no query, nothing that git could read as an option or another transport (`ext::`, `file://`, scp-like `git@host:`).
 */
export function parseBuildUrl(raw: string): BuildUrl {
  if (raw.length === 0 || raw.length > MAX_URL) throw invalid(`the URL must be 1 to ${MAX_URL} characters`);
  if (raw.startsWith('-')) throw invalid('the URL must not start with "-"');
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f\\]/.test(raw)) throw invalid('the URL must not contain whitespace, control characters or backslashes');
  if (!/^https?:\/\//i.test(raw)) throw invalid('only http:// and https:// git URLs are allowed');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('not a valid URL');
  }
  const protocol = url.protocol === 'https:' ? 'https' : url.protocol === 'http:' ? 'http' : undefined;
  if (!protocol) throw invalid('only http:// and https:// git URLs are allowed');
  if (url.username || url.password) throw invalid('credentials in the URL are not allowed');
  if (url.search) throw invalid('a query string is not allowed in a git URL');
  if (!url.hostname) throw invalid('the URL has no host');
  const { ref, subdir } = parseFragment(url.hash);
  const cloneUrl = url.href.slice(0, url.href.length - url.hash.length);
  const fragment = ref === null && subdir === null ? '' : `#${ref ?? ''}${subdir === null ? '' : `:${subdir}`}`;
  return {
    source: cloneUrl + fragment,
    cloneUrl,
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
    ref,
    subdir,
  };
}

function parseFragment(hash: string): { ref: string | null; subdir: string | null } {
  if (hash === '' || hash === '#') return { ref: null, subdir: null };
  let fragment: string;
  try {
    fragment = decodeURIComponent(hash.slice(1));
  } catch {
    throw invalid('the #ref:subdir fragment is not valid percent-encoding');
  }
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const dir = colon < 0 ? '' : fragment.slice(colon + 1).replace(/\/+$/, '');
  if (ref !== '' && !REF.test(ref)) throw invalid(`"${ref}" is not a valid branch, tag or commit`);
  if (dir !== '' && (dir.startsWith('/') || !dir.split('/').every((s) => SUBDIR_SEGMENT.test(s)))) {
    throw invalid(`"${dir}" is not a valid subdirectory (relative, no "." or ".." segments)`);
  }
  return { ref: ref || null, subdir: dir || null };
}

function invalid(message: string): BerthError {
  return new BerthError('invalid_url', message);
}
