import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tiers: test/unit, test/integration, test/peers (other TURN implementations), test/robustness
    // (generated bad inputs, signals at random moments, hostile peers), test/lab.
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/peers/**/*.test.ts', 'test/robustness/**/*.test.ts', 'test/lab/**/*.test.ts'],
    // Integration and lab tiers start real coturn and Chromium: give them room, and run
    // files one at a time per tier so two suites never fight over the 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
