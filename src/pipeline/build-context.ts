import { relative, sep } from 'node:path';
import tar from 'tar-fs';

/** berth's Dockerfile inside the context; the repository's own file of that name (or any Dockerfile) is never used. */
export const DOCKERFILE_NAME = '.berth.Dockerfile';
/** Tells the engine to drop berth's two files from the context, so that `COPY . /app` copies the repository only. */
const DOCKERIGNORE = `${DOCKERFILE_NAME}\n.dockerignore\n`;

/**
 * The build context as a tar stream: the build root without `.git`, without the repository's `.dockerignore` (it would
 * let the repository change what berth builds), plus berth's Dockerfile. Symbolic links are stored as links, never followed.
 */
export function packContext(root: string, dockerfile: string): NodeJS.ReadableStream {
  return tar.pack(root, {
    dereference: false,
    ignore: (name) => {
      const rel = relative(root, name);
      return rel.split(sep)[0] === '.git' || rel === DOCKERFILE_NAME || rel === '.dockerignore';
    },
    finalize: false,
    finish: (pack) => {
      pack.entry({ name: DOCKERFILE_NAME, mode: 0o644, mtime: new Date(0) }, dockerfile);
      pack.entry({ name: '.dockerignore', mode: 0o644, mtime: new Date(0) }, DOCKERIGNORE);
      pack.finalize();
    },
  });
}
