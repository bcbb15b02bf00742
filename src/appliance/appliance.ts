import type { Handler } from '../wamp/call.js';
import { applianceUri } from '../wamp/uris.js';
import { buildProcedure } from './build.js';
import { cancelBuildProcedure } from './cancel-build.js';
import { ContainerEndpoints } from './container-endpoints.js';
import type { ApplianceContext } from './context.js';
import { createProcedure } from './create.js';
import { imagesProcedure, listProcedure } from './list.js';
import { removeImageProcedure, removeProcedure } from './remove.js';
import { updateImageProcedure } from './update-image.js';

/** The Container appliance: its procedures under D, and per-container endpoints that follow the index. */
export class Appliance {
  private readonly endpoints: ContainerEndpoints;

  constructor(private readonly ctx: ApplianceContext) {
    this.endpoints = new ContainerEndpoints(ctx);
  }

  procedures(): Record<string, Handler> {
    const { ctx, endpoints } = this;
    return {
      create: createProcedure(ctx, endpoints),
      list: listProcedure(ctx),
      images: imagesProcedure(ctx),
      remove: removeProcedure(ctx, endpoints),
      removeImage: removeImageProcedure(ctx),
      build: buildProcedure(ctx),
      cancelBuild: cancelBuildProcedure(ctx),
      updateImage: updateImageProcedure(ctx, endpoints),
    };
  }

  /** Register the appliance and keep per-container endpoints in step with the index. */
  async start(): Promise<void> {
    const { ctx } = this;
    ctx.index.on('added', (c) => void this.endpoints.add(c.name));
    ctx.index.on('removed', (c) => {
      if (!ctx.index.getByName(c.name)) void this.endpoints.drop(c.name);
    });
    await Promise.all(Object.entries(this.procedures()).map(([op, h]) => ctx.session.register(applianceUri(ctx.domain, op), h)));
    await ctx.index.start();
  }
}
