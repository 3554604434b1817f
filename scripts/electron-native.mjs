// Builds better-sqlite3 for Electron's ABI into .electron-native/, leaving the
// Node build in node_modules untouched (tests and the headless host use it).
// Runs once per Electron version; needs Electron's headers (internet access).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const outDir = path.join(root, '.electron-native');
const target = path.join(outDir, 'better_sqlite3.node');
const stamp = path.join(outDir, 'electron-version');

if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === electronVersion) {
  process.exit(0);
}

const source = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = path.join(outDir, 'better-sqlite3');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
fs.cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
console.log(`electron-native: building better-sqlite3 for Electron ${electronVersion} (once)…`);

const run = (cmd, args) => execFileSync(cmd, args, { cwd: work, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' } });
try {
  // A prebuilt binary when one exists for this Electron, else a source build.
  run(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion]);
} catch {
  const npmGyp = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  run(process.execPath, [npmGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers']);
}
fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), target);
fs.writeFileSync(stamp, electronVersion);
console.log(`electron-native: ${path.relative(root, target)} ready`);
