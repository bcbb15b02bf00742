import type { Command } from 'commander';
import type { ContainerDict, ImageDict } from '../../appliance/shape.js';
import { clientCommand, eachName, run } from '../client-command.js';
import { ago, megabytes, shortId } from '../format.js';
import { formatTable } from '../table.js';

/** `berth ps` (`ls`), `berth images`, `berth rmi IMAGE…`. */
export function addListCommands(program: Command): void {
  clientCommand(program, 'ps', 'list the containers (D/list)')
    .alias('ls')
    .action(
      run(async ({ client, out, opts, uri }) => {
        const list = await client.call<ContainerDict[]>(uri('list'));
        if (opts.json) return out.json(list);
        // On a swarm each dict says its node: a NODE column, as `docker service ps` has.
        const swarm = list.some((c) => 'node' in c);
        const node = (c: ContainerDict) => (swarm ? [c.node ?? '-'] : []);
        const rows = list.map((c) => [c.name, c.image, out.state(c.state), c.status, ...node(c), ago(c.created), shortId(c.id), ...ownerCell(list, c)]);
        out.line(formatTable(['NAME', 'IMAGE', 'STATE', 'STATUS', ...(swarm ? ['NODE'] : []), 'CREATED', 'ID', ...ownerHeader(list)], rows));
      }),
    );

  clientCommand(program, 'images', 'list the images (D/images)').action(
    run(async ({ client, out, opts, uri }) => {
      const images = await client.call<ImageDict[]>(uri('images'));
      if (opts.json) return out.json(images);
      const rows = images.map((i) => [i.name, shortId(i.id), megabytes(i.size), ago(i.created), ...ownerCell(images, i), source(i)]);
      out.line(formatTable(['NAME', 'ID', 'SIZE', 'CREATED', ...ownerHeader(images), 'SOURCE'], rows));
    }),
  );

  clientCommand(program, 'rmi <image...>', 'remove images (D/removeImage); refused while a container uses one', 'print each result as one line of JSON').action(
    run((ctx) =>
      eachName(ctx, ctx.args[0] as string[], (name) => ctx.client.call<{ name: string }>(ctx.uri('removeImage'), [name]), (r) => `removed image ${r.name}`),
    ),
  );
}

/** Where D/build got an image: its URL and the commit built, or "-" for an image berth did not build. */
function source(i: ImageDict): string {
  if (!i.url) return '-';
  return i.commit ? `${i.url} @ ${i.commit.slice(0, 7)}` : i.url;
}

/** An OWNER column only when the list holds more than one owner (an admin's view): a user sees only their own. */
function ownerHeader(items: readonly { owner?: string }[]): string[] {
  return new Set(items.map((i) => i.owner)).size > 1 ? ['OWNER'] : [];
}

function ownerCell(items: readonly { owner?: string }[], item: { owner?: string }): string[] {
  return ownerHeader(items).length ? [item.owner ?? '-'] : [];
}
