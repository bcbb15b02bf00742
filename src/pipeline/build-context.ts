import { relative, sep } from 'node:path';
import tar from 'tar-fs';
import { CONTEXT_SOURCE, volumeContextDir } from './dockerfile.js';

/** berth's Dockerfile inside the context; the repository's own file of that name (or any Dockerfile) is never used. */
export const DOCKERFILE_NAME = '.berth.Dockerfile';
/** Tells the engine to drop berth's two files from the context (the engine removes exactly these two, nothing else). */
const DOCKERIGNORE = `${DOCKERFILE_NAME}\n.dockerignore\n`;

/**
 * The build context as a tar stream: the build root under `app/` (what the Dockerfile copies to /app), without `.git`
 * and without the repository's `.dockerignore` (it would let the repository change what berth builds), plus berth's
 * Dockerfile and one empty directory per Run.yaml volume path (`volumes/<i>/<name>/`, see dockerfile.ts). The
 * repository is in a directory of its own because the engine's classic builder applies no .dockerignore to what a
 * COPY sees (it only drops the Dockerfile and the .dockerignore named in it): berth's directories beside the
 * repository would otherwise end up in /app. Symbolic links are stored as links, never followed.
 */
export function packContext(root: string, dockerfile: string, volumePaths: readonly string[] = []): NodeJS.ReadableStream {
  const pack = tar.pack(root, {
    dereference: false,
    ignore: (name) => {
      const rel = relative(root, name);
      return rel.split(sep)[0] === '.git' || rel === DOCKERFILE_NAME || rel === '.dockerignore';
    },
    map: (header) => {
      header.name = header.name === '.' ? CONTEXT_SOURCE : `${CONTEXT_SOURCE}/${header.name}`;
      return header;
    },
    finalize: false,
    finish: (pack) => {
      pack.entry({ name: DOCKERFILE_NAME, mode: 0o644, mtime: new Date(0) }, dockerfile);
      pack.entry({ name: '.dockerignore', mode: 0o644, mtime: new Date(0) }, DOCKERIGNORE);
      for (const [i, path] of volumePaths.entries()) {
        pack.entry({ name: volumeContextDir(i, path), type: 'directory', mode: 0o755, mtime: new Date(0) });
      }
      pack.finalize();
    },
  });
  // A file that cannot be read fails the build through the engine request the stream is piped into (docker-modem
  // destroys it with this error); this handler only keeps an error before that from being unhandled.
  pack.on('error', () => undefined);
  return pack;
}
