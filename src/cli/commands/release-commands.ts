import type { Command } from 'commander';
import type { ReleaseDict } from '../../appliance/releases.js';
import type { ImageDict } from '../../appliance/shape.js';
import { clientCommand, run } from '../client-command.js';
import { ago, shortId } from '../format.js';
import { formatTable } from '../table.js';
import { integer } from '../values.js';

interface RollbackResult {
  name: string;
  release: number;
  image: ImageDict;
  containers: string[];
}

/** `berth releases NAME`, `berth rollback NAME RELEASE [--containers]`. */
export function addReleaseCommands(program: Command): void {
  clientCommand(program, 'releases', 'list the kept releases of an image, newest first (D/releases)')
    .argument('<name>', 'image name')
    .action(
      run(async ({ client, out, opts, args, uri }) => {
        const list = await client.call<ReleaseDict[]>(uri('releases'), [args[0]]);
        if (opts.json) return out.json(list);
        const rows = list.map((r) => [
          r.release === null ? '-' : String(r.release),
          shortId(r.id),
          r.commit ? r.commit.slice(0, 12) : '-',
          ago(r.built),
          r.current ? 'yes' : '',
          r.containers.join(', ') || '-',
        ]);
        out.line(formatTable(['RELEASE', 'ID', 'COMMIT', 'BUILT', 'CURRENT', 'CONTAINERS'], rows));
      }),
    );

  clientCommand(program, 'rollback', 'make a kept release of an image the current one (D/rollback)')
    .argument('<name>', 'image name')
    .argument('<release>', 'release number (see berth releases NAME)', integer(1))
    .option('--containers', 'also move the image\'s containers to that release')
    .action(
      run(async ({ client, out, opts, args, uri }) => {
        const [name, release] = args as [string, number];
        const r = await client.call<RollbackResult>(uri('rollback'), [name, release, opts.containers === true], {}, (line) => opts.json || out.note(String(line)));
        if (opts.json) return out.json(r);
        const moved = opts.containers ? `; ${r.containers.length ? `moved ${r.containers.join(', ')}` : 'no container to move'}` : '';
        out.line(`${r.name} is at release ${r.release} (${shortId(r.image.id)})${moved}`);
      }),
    );
}
