import { z } from 'zod';
import { byteSize } from '../bytes.js';
import { isImageRef } from './image-ref.js';

/** A Run.yaml Base name as the catalog spells it (optionally with a tag, like exis-python:r2). */
export const BASE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}(?::[\w][\w.-]{0,127})?$/;

export const DEFAULT_BASES: Readonly<Record<string, string>> = {
  'exis-python': 'berth/exis-python:1',
  'exis-nodejs': 'berth/exis-nodejs:1',
};

const imageRef = z.string().refine(isImageRef, 'must be an image reference such as berth/exis-python:1');

/** `bases`: Base name → image reference, merged over the defaults (a key given here replaces the default of that name). */
export const basesSchema = z
  .record(z.string().regex(BASE_NAME, 'base names must match ^[a-z0-9][a-z0-9_.-]{0,62}(:tag)?$'), imageRef)
  .transform((b) => Object.freeze({ ...DEFAULT_BASES, ...b }));

const seconds = (max: number) => z.number().int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

/** `build`: limits and permissions of D/build. */
export const buildSchema = z
  .object({
    allowAnyBase: z.boolean().default(false),
    allowPrivateHosts: z.boolean().default(false),
    concurrency: z.number().int('must be an integer').min(1).max(64).default(2),
    cloneTimeout: seconds(86_400).default(300),
    timeout: seconds(86_400).default(900),
    maxRepoBytes: z.number().int('must be an integer').min(1024).default(500_000_000),
    /** Output of one build (clone and Setup steps, including the dropped rest of overlong lines); past it the build fails. */
    maxOutputBytes: byteSize.refine((b) => b >= 64 * 1024, 'must be at least 64k').default(16 * 1024 ** 2),
    /** Memory of each Setup step's container (swap = memory: no swap on top). */
    memory: byteSize.refine((b) => b >= 6 * 1024 ** 2, 'must be at least 6m').default(1024 ** 3),
    /** CPUs of each Setup step's container (a CFS quota of cpus × 100 ms per 100 ms). */
    cpus: z.number().min(0.01, 'must be at least 0.01').max(1024).default(1),
    /**
     * Releases of a name kept for rollback: after each build, releases older than the newest keepReleases
     * that no container uses are removed. The current release is always kept.
     */
    keepReleases: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(5),
  })
  .strict();

export type BuildConfig = Readonly<z.infer<typeof buildSchema>>;
export type BasesConfig = Readonly<Record<string, string>>;
