// Vite config: builds the dashboard into dist/ (embedded into the flowlens binary by the
// server build); the dev server proxies the API (REST and the live WebSocket) to a local
// `flowlens run` / `flowlens serve` on 127.0.0.1:8080 (FLOWLENS_API overrides).
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

const api = process.env.FLOWLENS_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: api, changeOrigin: false, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
