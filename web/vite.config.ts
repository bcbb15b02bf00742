import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The dashboard: static files built into dist/web, served by `berth serve` (src/dashboard/). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Nothing inline: the page's Content-Security-Policy allows scripts and styles from its own origin only.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
    rolldownOptions: {
      onwarn(warning, warn) {
        // autobahn-browser's JSON fallback for browsers without JSON calls eval; it never runs (and the CSP forbids it).
        if (warning.code === 'EVAL' && warning.id?.includes('autobahn-browser')) return;
        warn(warning);
      },
    },
  },
});
