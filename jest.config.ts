import type { Config } from 'jest';
import { getJestProjectsAsync } from '@nx/jest';

// testTimeout is a global option: the one in jest.preset.js applies only when a project runs alone.
export default async (): Promise<Config> => ({
  projects: await getJestProjectsAsync(),
  testTimeout: 30_000,
});
