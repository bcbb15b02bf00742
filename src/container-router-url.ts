const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/i;
/** Containers reach the host through the bridge gateway under this name (added as an extra host). */
export const HOST_ALIAS = 'host.docker.internal';

/** The router URL as seen from inside a container: a loopback host becomes the host's bridge alias. */
export function containerRouterUrl(routerUrl: string): string {
  const url = new URL(routerUrl);
  if (LOOPBACK.test(url.hostname)) url.hostname = HOST_ALIAS;
  return url.toString();
}
