import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One project per test tier, so a tier can run alone (`npm run test:unit`, ...) and `npm test` runs all.
export default defineConfig({
  test: {
    // Vitest's default (cores - 1) is one worker on a 2-core machine, so every file would wait for the
    // last; most files spend their time waiting on child processes and sockets, not on the CPU.
    maxWorkers: Math.max(3, availableParallelism()),
    projects: [
      {
        // Pure tests: one module graph per worker instead of one per file.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', isolate: false },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Seeded fault simulations, bounded for `npm test`; long runs go through `npm run simulate`.
        test: {
          name: 'simulation',
          include: ['test/simulation/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
