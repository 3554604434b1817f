// `npm run headless`: Encore without Electron. Prints where it listens and the
// token, writes them to <data-dir>/runtime.json, stops cleanly on SIGINT/SIGTERM.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, resolveDataDir } from '../config';
import type { ImportProgress } from '../../shared/status';
import { startHeadless } from './host';

function formatImportProgress(p: ImportProgress): string {
  const pages = p.totalPages ? `page ${p.page} of ${p.totalPages}` : `page ${p.page}`;
  const eta = p.etaSeconds !== null && p.state === 'running' ? `, about ${Math.ceil(p.etaSeconds / 60)} min left` : '';
  const error = p.error ? ` (${p.error})` : '';
  return `Last.fm import ${p.state}: ${pages}, ${p.plays} plays${eta}${error}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dataDir = resolveDataDir(argv, process.env);
  let config;
  try {
    config = loadConfig(dataDir);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Encore cannot start: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const portArg = argv.find((a) => a.startsWith('--port='));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const headless = await startHeadless({
    dataDir,
    config,
    port: portArg ? Number(portArg.slice('--port='.length)) : undefined,
    rendererDir: path.resolve(here, '..', 'renderer'),
  });
  console.log(`Encore headless is running (data in ${dataDir})`);
  console.log(`  Open:  ${headless.url}/?token=${headless.token}`);
  console.log(`  API:   curl -H 'Authorization: Bearer ${headless.token}' ${headless.url}/api/status`);
  console.log(`  (url and token are also in ${headless.runtimeFile})`);

  // The history import's progress on the console too, about every 5 s.
  let lastLine = 0;
  let lastState = '';
  headless.encore.onStatus((snapshot) => {
    const progress = snapshot.services.find((s) => s.id === 'lastfm')?.import;
    if (!progress || progress.state === 'idle') return;
    const now = Date.now();
    if (progress.state === lastState && progress.state === 'running' && now - lastLine < 5000) return;
    if (progress.state === lastState && progress.state !== 'running') return;
    lastLine = now;
    lastState = progress.state;
    console.log(formatImportProgress(progress));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping services and closing the database…`);
    headless.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Encore could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
