import type { ContainerIndex } from '../engine/container-index.js';
import { itemOwner } from '../tenancy/callers.js';

interface BuildOwners {
  buildOwner(name: string): Promise<string | undefined>;
}

/**
 * Who owns what a topic carries, asked at each subscription and authorization: a container's owner from the index, a
 * build's from the appliance once it is attached. The router starts before the appliance exists; a build topic asked
 * about before then is refused (the question throws: the authorizer fails closed).
 */
export class Owners {
  private builds: BuildOwners | undefined;

  constructor(private readonly index: ContainerIndex) {}

  attach(builds: BuildOwners): void {
    this.builds = builds;
  }

  readonly containerOwner = (name: string): string | undefined => {
    const record = this.index.getByName(name);
    return record ? itemOwner(record.labels) : undefined;
  };

  readonly buildOwner = async (name: string): Promise<string | undefined> => {
    if (!this.builds) throw new Error('the appliance has not started yet');
    return this.builds.buildOwner(name);
  };
}
