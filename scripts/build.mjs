// Builds everything a host runs: the headless host and the demo (ESM for
// Node), the Electron main process and the sandboxed preload (CJS bundles),
// and the renderer (Vite). Dependencies stay external except in the preload,
// which a sandbox requires to be one file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const exists = (p) => fs.existsSync(path.join(root, p));

const common = { absWorkingDir: root, bundle: true, minifySyntax: true, minifyWhitespace: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };
const banner = { js: "import { createRequire as __encoreRequire } from 'node:module'; const require = __encoreRequire(import.meta.url);" };
const jobs = [];

// The headless host is one bundle: loading hundreds of ESM files from
// node_modules cost more than half of its cold start. Native and optional
// modules stay outside.
const nodeExternal = ['better-sqlite3', '@homebridge/dbus-native', 'electron', 'playwright-core', 'chromium-bidi'];
const nodeEntries = [
  ['src/main/headless/main.ts', 'dist/headless/main.js'],
  ['src/main/headless/demo.ts', 'dist/headless/demo.js'],
];
for (const [entry, outfile] of nodeEntries) {
  if (exists(entry)) jobs.push(build({ ...common, entryPoints: [entry], outfile, format: 'esm', external: nodeExternal, banner }));
}
if (exists('src/main/electron/main.ts')) {
  jobs.push(build({ ...common, entryPoints: ['src/main/electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', packages: 'external', external: ['electron'] }));
}
if (exists('src/preload/index.ts')) {
  jobs.push(build({ ...common, entryPoints: ['src/preload/index.ts'], outfile: 'dist/preload/index.cjs', format: 'cjs', platform: 'browser', external: ['electron'], target: 'chrome130' }));
}
await Promise.all(jobs);

if (exists('src/renderer/index.html') && exists('vite.config.ts')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: quiet ? 'error' : 'warn' });
}
if (!quiet) console.log('build: done');
