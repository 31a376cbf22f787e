import { defineConfig } from 'vitest/config';

// Projects: `unit` (next to the code), `contract` (one suite over every transport),
// `devices` (real adb server and socat ptys with the simulators), `e2e` (headless Chromium).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['core/**/*.test.ts', 'devices/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts', 'test/unit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: { name: 'contract', include: ['test/contract/**/*.contract.ts'], testTimeout: 60_000 },
      },
      {
        test: {
          name: 'devices',
          include: ['test/devices/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
