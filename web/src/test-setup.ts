import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import { forgetShowVersions } from './showVersions';

afterEach(() => {
  cleanup();
  // Each test starts with no show versions seen (the store lives as long as the tab).
  forgetShowVersions();
});
