import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds a file took in a recent full run (`npm run test:durations`), per file; the longest lane's figure. */
const DURATIONS = new URL('../file-durations.json', import.meta.url);
/** A file missing from the table (new since the table was made) is placed as if it took this long. */
const UNKNOWN_S = 60;

/**
 * Runs each project's files longest first. Vitest does that from its own cache of the last run, but a fresh clone (CI)
 * has none and falls back to the largest files first: a short file with a long test (the 400 create→remove cycles) then
 * ran last, alone, for minutes while the lane's other workers had nothing left. Longest first packs the workers.
 */
export class LongestFirst extends BaseSequencer {
  private readonly table: Record<string, number> = existsSync(DURATIONS) ? (JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>) : {};

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => this.table[relative(this.ctx.config.root, f.moduleId)] ?? UNKNOWN_S;
    return [...files].sort((a, b) => (a.project.name !== b.project.name ? (a.project.name < b.project.name ? -1 : 1) : seconds(b) - seconds(a)));
  }
}
