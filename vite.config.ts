import { defineConfig } from 'vite';

// The status window. Built to dist/renderer with relative asset paths so the
// same files load from file:// in Electron and from `/` in the headless host.
// The host's CSP allows no inline script or style, so nothing may be inlined.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});
