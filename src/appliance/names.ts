import { z } from 'zod';

export const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export const containerName = z
  .string({ error: 'must be a string' })
  .regex(CONTAINER_NAME, 'must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$ (letters, digits, "_" and "-", at most 63)');

/** Image names as berth labels them; build (later) narrows what it creates to lowercase. */
export const imageName = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\s]+$/, 'must not contain whitespace');
