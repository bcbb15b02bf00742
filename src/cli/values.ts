import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { usageError } from './cli-error.js';

/** Commander's collector for a repeatable option (`-e A=1 -e B=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole number within bounds, for an option such as --tail or --pids. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}.`);
    return Number(value);
  };
}

export function decimal(value: string): number {
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(value)) throw new InvalidArgumentError('must be a number such as 0.5.');
  return Number(value);
}

/** `K=V` → [K, V]; `K` alone takes K from this shell's environment (as `docker run -e K`). */
export function keyValue(item: string, what: string, env: NodeJS.ProcessEnv = process.env): [string, string] {
  const eq = item.indexOf('=');
  if (eq === 0) throw usageError(`${what} "${item}": the name is missing (K=V)`);
  if (eq > 0) return [item.slice(0, eq), item.slice(eq + 1)];
  const fromEnv = env[item];
  if (fromEnv === undefined) throw usageError(`${what} "${item}": not K=V, and ${item} is not set in this environment`);
  return [item, fromEnv];
}

/**
 * An env file as `docker run --env-file` reads it: one K=V per line, taken literally (no quotes removed, no expansion);
 * blank lines and lines starting with # are skipped; a bare K takes K from this shell's environment.
 */
export function readEnvFile(path: string, env: NodeJS.ProcessEnv = process.env): [string, string][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`--env-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return text
    .split(/\r?\n/)
    .map((l, i) => [l.replace(/^\s+/, ''), i + 1] as const)
    .filter(([l]) => l !== '' && !l.startsWith('#'))
    .map(([l, n]) => keyValue(l, `--env-file ${path} line ${n}`, env));
}

/** A value for `berth call`: JSON when it parses (1, true, null, "s", [..], {..}), else the string as typed. */
export function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
