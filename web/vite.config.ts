/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Where /api is proxied in `vite` (dev) and `vite preview`. Override with TESSERA_API.
const apiTarget = process.env.TESSERA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // No @vitejs/plugin-react (its current major needs vite 8): esbuild compiles JSX.
  esbuild: { jsx: 'automatic' },
  server: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
  preview: { proxy: { '/api': { target: apiTarget, changeOrigin: false } } },
  build: { outDir: 'dist', sourcemap: false },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // The machine is shared with cargo builds: a component test may take seconds there, not a hang.
    testTimeout: 20_000,
  },
});
