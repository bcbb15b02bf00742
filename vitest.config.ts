import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/helpers/longest-first.js';

/**
 * How many integration files run at once (BERTH_TEST_FILE_WORKERS, default 1). Files use random domains, their own
 * berth and their own git server, and only ever stop routers and engines they started themselves, so they may share the
 * engine and the run's router; scripts/test.sh runs each lane two files at a time because most of a file's time is
 * waiting on the engine, not CPU. A run of a few files on its own stays one file after another.
 */
const fileWorkers = Math.max(1, Number(process.env.BERTH_TEST_FILE_WORKERS ?? '1') || 1);

export default defineConfig({
  test: {
    // Longest files first (test/file-durations.json), so a lane's workers finish together.
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          fileParallelism: fileWorkers > 1,
          maxWorkers: fileWorkers,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          globalSetup: ['test/conformance/helpers/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
