// `npm run demo`: Encore's headless host against a fake Roon Core and a fake
// Last.fm server on loopback, so a newcomer can watch Encore work and try
// sleep and wake without owning Roon. The fakes speak the real protocols.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeLastfmServer, generateHistory } from '../../dev/fakes/lastfm-server';
import { FakeRoonCore, type FakeTrack } from '../../dev/fakes/roon-core';
import { parseConfig, resolveDataDir } from '../config';
import { startHeadless } from './host';

const DEMO_KEY = '0123456789abcdef0123456789abcdef';

const ALBUM: FakeTrack[] = [
  { title: 'Angel', artist: 'Massive Attack', album: 'Mezzanine', length: 62 },
  { title: 'Risingson', artist: 'Massive Attack', album: 'Mezzanine', length: 48 },
  { title: 'Teardrop', artist: 'Massive Attack feat. Elizabeth Fraser', album: 'Mezzanine', length: 55 },
  { title: 'Inertia Creeps', artist: 'Massive Attack', album: 'Mezzanine', length: 70 },
];
const OTHER: FakeTrack[] = [
  { title: 'Glory Box', artist: 'Portishead', album: 'Dummy', length: 50 },
  { title: 'Roads', artist: 'Portishead', album: 'Dummy', length: 66 },
  { title: 'Sour Times', artist: 'Portishead', album: 'Dummy', length: 44 },
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const explicit = argv.some((a) => a.startsWith('--data-dir')) || process.env.ENCORE_DATA_DIR;
  const dataDir = explicit ? resolveDataDir(argv, process.env) : fs.mkdtempSync(path.join(os.tmpdir(), 'encore-demo-'));

  const core = await new FakeRoonCore({
    name: 'Demo Core',
    autoAuthorise: true,
    zones: [
      { id: 'z-living', name: 'Living Room', track: ALBUM[0]!, queue: [...ALBUM.slice(1), ...ALBUM], state: 'playing' },
      { id: 'z-kitchen', name: 'Kitchen', outputs: ['Kitchen', 'Dining Room'], track: OTHER[0]!, queue: [...OTHER.slice(1), ...OTHER], state: 'playing' },
    ],
  }).start();
  core.playInRealTime();

  const lastfm = await FakeLastfmServer.start({ user: 'demo', apiKey: DEMO_KEY, history: generateHistory(600) });
  // Another device scrobbles now and then: Encore picks it up by polling.
  let n = 0;
  const other = setInterval(() => {
    const track = OTHER[n++ % OTHER.length]!;
    lastfm.addScrobbles({ artist: track.artist, title: `${track.title} (phone)`, album: track.album, uts: Math.floor(Date.now() / 1000) - 5, mbid: '' });
  }, 40_000);

  const config = parseConfig({
    roon: { host: '127.0.0.1', port: core.port },
    lastfm: { user: 'demo', apiKey: DEMO_KEY, apiRoot: lastfm.url, pollSeconds: 15, importRatePerSecond: 8 },
  });
  const here = path.dirname(fileURLToPath(import.meta.url));
  const headless = await startHeadless({ dataDir, config, rendererDir: path.resolve(here, '..', 'renderer') });
  console.log(`Encore demo (fake Roon Core on ${core.url}, fake Last.fm on ${lastfm.url})`);
  console.log(`  Open:  ${headless.url}/?token=${headless.token}`);
  console.log(`  Try:   "Simulate sleep and wake", or stop the fake Core with: kill -USR2 ${process.pid}`);
  console.log(`  Data:  ${dataDir}`);

  // SIGUSR2 takes the fake Core down and brings it back, to watch "Reconnecting Roon…".
  let down = false;
  process.on('SIGUSR2', () => {
    down = !down;
    if (down) {
      core.refuseConnections();
      core.destroyConnections();
      console.log('demo: the fake Roon Core is down (send SIGUSR2 again to bring it back)');
    } else {
      void core.acceptConnections().then(() => console.log('demo: the fake Roon Core is back'));
    }
  });

  const stop = async () => {
    clearInterval(other);
    await headless.close();
    await core.stop();
    await lastfm.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exit(1);
});
