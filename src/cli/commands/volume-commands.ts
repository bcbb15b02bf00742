import type { Command } from 'commander';
import type { VolumeDict } from '../../appliance/volumes.js';
import { clientCommand, eachName, run } from '../client-command.js';
import { ago, megabytes } from '../format.js';
import { formatTable } from '../table.js';

/** `berth volumes`, `berth rmv VOLUME…` (Run.yaml Volumes); `berth rm --volumes` is in container-commands.ts. */
export function addVolumeCommands(program: Command): void {
  clientCommand(program, 'volumes', "list the containers' volumes (D/volumes), also those kept after their container was removed").action(
    run(async ({ client, out, opts, uri }) => {
      const list = await client.call<VolumeDict[]>(uri('volumes'));
      if (opts.json) return out.json(list);
      const owners = new Set(list.map((v) => v.owner)).size > 1;
      const rows = list.map((v) => [
        v.name,
        v.container,
        v.path,
        v.size === null ? '-' : megabytes(v.size),
        v.inUse ? 'yes' : 'no',
        ago(v.created),
        ...(owners ? [v.owner] : []),
      ]);
      out.line(formatTable(['NAME', 'CONTAINER', 'PATH', 'SIZE', 'IN USE', 'CREATED', ...(owners ? ['OWNER'] : [])], rows));
    }),
  );

  clientCommand(program, 'rmv <volume...>', 'remove volumes (D/removeVolume); refused while a container mounts one', 'print each result as one line of JSON').action(
    run((ctx) =>
      eachName(ctx, ctx.args[0] as string[], (name) => ctx.client.call<{ name: string }>(ctx.uri('removeVolume'), [name]), (r) => `removed volume ${r.name}`),
    ),
  );
}
