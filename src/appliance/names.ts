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

/**
 * Names of built images: they are also the tag of `berth/<domain>:<name>` and a component of the topic `D/build/<name>`,
 * so dots only separate non-empty parts (no `a..b`, no trailing dot: those would make invalid WAMP URIs).
 */
export const BUILD_NAME = /^(?=.{1,63}$)[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*$/;

export const buildName = z
  .string({ error: 'must be a string' })
  .regex(BUILD_NAME, 'must be 1 to 63 of lowercase letters, digits, "_" and "-", in parts joined by single dots (such as "web" or "web.v2")');
