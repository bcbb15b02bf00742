import { z } from 'zod';

/** `replicas` of D/<name>/scale: a whole number from 1 (its upper bound is config maxReplicas, checked with the image). */
export const replicasCount = z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be ≥ 1');

/** `replicas` of D/create: as scale's, 1 when absent. */
export const replicasArgument = z.preprocess((v) => v ?? 1, replicasCount);
