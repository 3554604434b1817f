// The Roon service: finds the Core, registers Encore as an extension, follows
// the zones and hands what the detector makes of them to the play store.
// Reconnecting is the supervisor's job: a lost link is reported with
// host.fail() and the next start() opens a fresh connection.
import { z } from 'zod';
import type { Clock } from '../../core/clock';
import { DisposableStore, toDisposable } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import type { SecretStore } from '../../core/ports';
import { ServiceError, errorMessage, type HealthProbe, type Service, type ServiceHost } from '../../core/service';
import type { NewPlay } from '../../db/plays';
import type { Config } from '../../../shared/config';
import type { ZoneNowPlaying } from '../../../shared/status';
import { PAIRING_SERVICE, PING_SERVICE, RoonConnection, STATUS_SERVICE } from './connection';
import type { MooMessage } from './moo';
import { PlayDetector, type PlayDetectorOptions } from './play-detector';
import { SoodDiscovery } from './sood';
import { readZonesChanged, readZonesSubscribed, type RoonZone, type RoonZonesChanged, type SkippedZone } from './types';

export const REGISTRY_SERVICE = 'com.roonlabs.registry:1';
export const TRANSPORT_SERVICE = 'com.roonlabs.transport:2';

export const AUTHORISATION_DETAIL = 'Waiting for authorisation: open Roon → Settings → Extensions and click Enable next to Encore.';

export interface ExtensionInfo {
  extension_id: string;
  display_name: string;
  display_version: string;
  publisher: string;
  email: string;
  website?: string;
}

export const DEFAULT_EXTENSION: ExtensionInfo = {
  extension_id: 'app.encore.tracker',
  display_name: 'Encore',
  display_version: '0.1.0',
  publisher: 'Encore developers',
  email: 'dev@encore.invalid',
};

/** What the service needs of the detector; PlayDetector by default. */
export interface RoonPlayDetector {
  /** `unreadable`: zones the Core listed that could not be read; kept, but out of sight. */
  zonesSubscribed(zones: readonly RoonZone[], unreadable?: readonly string[]): void;
  zonesChanged(body: RoonZonesChanged): void;
  /** A known zone came in a form that could not be read: nothing about it can be credited until it reads again. */
  zoneUnreadable(zoneId: string): void;
  connectionLost(): void;
  suspend(): void;
  nowPlaying(): ZoneNowPlaying[];
  dispose(): void;
}

export interface RoonServiceOptions {
  /** A getter is read at every start, so saved settings apply on the next restart. */
  config: Config['roon'] | (() => Config['roon']);
  clock: Clock;
  logger: Logger;
  /** Tokens (`roon.token.<core_id>`) and the last Core's address (`roon.lastCore`). */
  secrets: SecretStore;
  /** Where detected plays go (PlayStore). */
  plays: { ingest(plays: NewPlay[]): unknown };
  createDetector?: (options: PlayDetectorOptions) => RoonPlayDetector;
  extension?: Partial<ExtensionInfo>;
  /** WebSocket ping period (10 s). */
  keepaliveMs?: number;
  /** With a saved token, how long start() waits for Registered before it shows "waiting for authorisation". */
  registeredGraceMs?: number;
  /** How long start() searches by discovery before it gives up (the supervisor retries). */
  searchTimeoutMs?: number;
}

const InfoSchema = z.looseObject({ core_id: z.string().min(1).max(200), display_name: z.string().max(500), display_version: z.string().optional() });
const RegisteredSchema = z.looseObject({ core_id: z.string().min(1).max(200), display_name: z.string().max(500), token: z.string().min(1).max(1000) });
const LastCoreSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535), coreId: z.string().optional() });
type Target = z.infer<typeof LastCoreSchema>;

const LAST_CORE_KEY = 'roon.lastCore';
/** While searching, the last known address is tried again this often. */
const LAST_CORE_PROBE_MS = 400;
export const tokenKey = (coreId: string) => `roon.token.${coreId}`;

function zonesLabel(n: number): string {
  return `${n} zone${n === 1 ? '' : 's'}`;
}

/** Distinct skip reasons logged per service, so a zone that stays odd logs once, not at every update. */
const MAX_LOGGED_SKIPS = 200;

function replyError(what: string, message: MooMessage): ServiceError {
  const error = (message.body as { error?: unknown } | undefined)?.error;
  return new ServiceError(`The Roon Core answered ${what} with ${message.name}${typeof error === 'string' ? `: ${error}` : ''}`);
}

export class RoonService implements Service {
  readonly id = 'roon' as const;
  readonly role = 'tracker' as const;
  readonly label = 'Roon';
  private readonly log: Logger;
  private readonly detector: RoonPlayDetector;
  private readonly extension: ExtensionInfo;
  private session: DisposableStore | null = null;
  private connection: RoonConnection | null = null;
  private host: ServiceHost | null = null;
  /** The detector has live state from this link (so a loss must be told to it). */
  private following = false;
  private zoneIds = new Set<string>();
  private coreName = '';
  /** Zones the Core shows that cannot be read, by id: skipped, and named in the status. */
  private unreadableZones = new Map<string, SkippedZone>();
  /** Items skipped since this start (zones, seek updates, removals). */
  private skippedCount = 0;
  private readonly loggedSkips = new Set<string>();

  constructor(private readonly options: RoonServiceOptions) {
    this.log = options.logger.scope('roon');
    this.extension = { ...DEFAULT_EXTENSION, ...options.extension };
    const createDetector = options.createDetector ?? ((o: PlayDetectorOptions) => new PlayDetector(o));
    this.detector = createDetector({ clock: options.clock, logger: this.log, onPlay: (play) => this.store(play) });
  }

  notConfigured(): string | null {
    return null;
  }

  private store(play: NewPlay): void {
    try {
      this.options.plays.ingest([{ ...play, source: 'roon' }]);
      this.log.info(`play: ${play.artist} – ${play.title}${play.zone ? ` (${play.zone})` : ''}`);
    } catch (error) {
      this.log.error(`Could not store a play: ${errorMessage(error)}`);
    }
  }

  async start(signal: AbortSignal, host: ServiceHost): Promise<void> {
    // Never trust a socket from before: each start opens its own.
    this.session?.dispose();
    const session = new DisposableStore();
    this.session = session;
    this.host = host;
    this.zoneIds = new Set();
    this.unreadableZones = new Map();
    this.skippedCount = 0;
    const onAbort = () => session.dispose();
    signal.addEventListener('abort', onAbort, { once: true });
    session.add(toDisposable(() => signal.removeEventListener('abort', onAbort)));
    try {
      await this.run(signal, session, host);
    } catch (error) {
      session.dispose();
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async run(signal: AbortSignal, session: DisposableStore, host: ServiceHost): Promise<void> {
    const { connection, target } = await this.connect(signal, session, host);
    session.add(connection);
    this.connection = connection;
    let starting = true;
    session.add(
      connection.onLost((error) => {
        this.linkLost();
        // While starting, the pending request rejects and start() reports it.
        if (!starting && this.session === session) host.fail(error, { retryNow: true });
      }),
    );

    const infoReply = await connection.request(`${REGISTRY_SERVICE}/info`, undefined, signal);
    const info = InfoSchema.safeParse(infoReply.body);
    if (infoReply.name !== 'Success' || !info.success) throw replyError('info', infoReply);
    const coreId = info.data.core_id;
    connection.setPairedCore(coreId);
    void this.options.secrets
      .set(LAST_CORE_KEY, JSON.stringify({ ...target, coreId }))
      .catch((error) => this.log.warn(`Could not remember the Core's address: ${errorMessage(error)}`));

    const token = await this.options.secrets.get(tokenKey(coreId));
    if (signal.aborted) throw signal.reason;

    const ready = this.register(connection, session, host, token);
    if (token) {
      // A Core that knows the token answers at once; only a revoked token waits
      // for the user, and that must not hold start() until the supervisor's timeout.
      const grace = new Promise<'late'>((resolve) => session.add(this.options.clock.setTimeout(() => resolve('late'), this.options.registeredGraceMs ?? 3_000)));
      const outcome = await Promise.race([ready.then(() => 'ready' as const), grace]);
      if (outcome === 'late') this.waitingForAuthorisation(host, info.data.display_name);
    } else {
      this.waitingForAuthorisation(host, info.data.display_name);
    }
    starting = false;
    // Once start() has resolved, a failure after Registered is a lost link like any other.
    ready.catch((error) => {
      if (this.session !== session || session.isDisposed) return;
      this.log.warn(`Roon registration failed: ${errorMessage(error)}`);
      host.fail(error instanceof Error ? error : new Error(String(error)), { retryNow: true });
    });
  }

  private waitingForAuthorisation(host: ServiceHost, coreName: string): void {
    this.log.info(`waiting for authorisation on ${coreName}`);
    host.report({ condition: 'waiting-authorisation', detail: AUTHORISATION_DETAIL });
  }

  /** Sends register; resolves once Registered and the zone subscription are in. */
  private async register(connection: RoonConnection, session: DisposableStore, host: ServiceHost, token: string | null): Promise<void> {
    const body = {
      ...this.extension,
      ...(token ? { token } : {}),
      required_services: [TRANSPORT_SERVICE],
      optional_services: [],
      provided_services: [PING_SERVICE, PAIRING_SERVICE, STATUS_SERVICE],
    };
    // No signal: the request may stay open for hours until the user enables Encore.
    const reply = await connection.request(`${REGISTRY_SERVICE}/register`, body);
    const registered = RegisteredSchema.safeParse(reply.body);
    if (reply.name !== 'Registered' || !registered.success) throw replyError('register', reply);
    const { core_id, display_name } = registered.data;
    await this.options.secrets.set(tokenKey(core_id), registered.data.token).catch((error) => {
      this.log.error(`Could not save the Roon token; Encore will need enabling again after a restart: ${errorMessage(error)}`);
    });
    if (session.isDisposed) return;
    connection.setPairedCore(core_id);

    const { first } = await connection.subscribe(TRANSPORT_SERVICE, 'zones', (message) => this.onZonesMessage(message, connection));
    // Zones are read one by one: one the app does not understand is skipped,
    // never the list, so an odd zone cannot make the link start over for ever.
    const subscribed = first.name === 'Subscribed' ? readZonesSubscribed(first.body) : null;
    if (!subscribed) {
      // No zone list at all: without the full state the detector would guess.
      throw new ServiceError(`The Roon Core sent an unreadable zone list (${first.name})`, { network: true });
    }
    if (session.isDisposed) return;
    this.zoneIds = new Set(subscribed.zones.map((z) => z.zone_id));
    this.noteSkipped(subscribed.skipped);
    this.detector.zonesSubscribed(
      subscribed.zones,
      [...this.unreadableZones.keys()].filter((id) => !this.zoneIds.has(id)),
    );
    this.following = true;
    this.log.info(`connected to ${display_name}, ${zonesLabel(this.zoneIds.size)}`);
    this.coreName = display_name;
    this.publish(host, connection);
  }

  /** Logs each kind of skip once, counts every one and remembers which zones cannot be read now. */
  private noteSkipped(skipped: readonly SkippedZone[]): void {
    for (const item of skipped) {
      this.skippedCount++;
      if (item.kind === 'zone' && item.zoneId !== null) {
        this.unreadableZones.set(item.zoneId, item);
        this.zoneIds.delete(item.zoneId);
      }
      const key = `${item.kind}:${item.zoneId ?? ''}:${item.reason}`;
      if (this.loggedSkips.has(key) || this.loggedSkips.size >= MAX_LOGGED_SKIPS) continue;
      this.loggedSkips.add(key);
      const which = item.kind === 'zone' ? `zone ${item.name ?? item.zoneId ?? '(no id)'}` : `a ${item.kind} update`;
      this.log.warn(`Skipping ${which} from the Roon Core that Encore cannot read: ${item.reason}; the other zones are tracked`);
    }
  }

  /** Changes whenever the status detail about the zones would. */
  private zonesSignature(): string {
    return `${[...this.zoneIds].join('\n')}|${[...this.unreadableZones.keys()].join('\n')}|${this.skippedCount}`;
  }

  /** What the status says about zones being skipped, empty when none are. */
  private skippedLabel(): string {
    const zones = [...this.unreadableZones.values()];
    if (zones.length === 0) return this.skippedCount > 0 ? `; ${this.skippedCount} unreadable update${this.skippedCount === 1 ? '' : 's'} skipped` : '';
    const first = zones[0]!;
    const more = zones.length > 1 ? ` and ${zones.length - 1} more` : '';
    return `; skipping ${zonesLabel(zones.length)} Encore cannot read (${first.name ?? first.zoneId}: ${first.reason}${more})`;
  }

  private publish(host: ServiceHost, connection: RoonConnection): void {
    connection.setStatus(`Tracking ${zonesLabel(this.zoneIds.size)}`);
    host.report({
      condition: 'running',
      detail: `Connected to ${this.coreName}, ${zonesLabel(this.zoneIds.size)}${this.skippedLabel()}`,
      success: true,
      nowPlaying: this.detector.nowPlaying(),
    });
  }

  private onZonesMessage(message: MooMessage, connection: RoonConnection): void {
    if (message.verb === 'COMPLETE') {
      // The Core ended the subscription: without updates the detector would go
      // blind while the link looks healthy, so start over.
      this.linkLost();
      connection.dispose();
      this.host?.fail(new ServiceError(`The Roon Core ended the zone subscription (${message.name})`, { network: true }), { retryNow: true });
      return;
    }
    if (message.name !== 'Changed') {
      this.log.debug(`Ignoring zone message ${message.name}`);
      return;
    }
    const parsed = readZonesChanged(message.body);
    if (!parsed) {
      this.noteSkipped([{ zoneId: null, name: null, reason: 'the update is not an object', kind: 'list' }]);
      if (this.host) this.publish(this.host, connection);
      return;
    }
    const body = parsed.changed;
    // Most messages are a playing zone's seek update: the zone list cannot change then.
    const listMayChange = body.zones_removed !== undefined || body.zones_added !== undefined || body.zones_changed !== undefined || parsed.skipped.length > 0;
    const before = listMayChange ? this.zonesSignature() : '';
    for (const id of body.zones_removed ?? []) {
      this.zoneIds.delete(id);
      this.unreadableZones.delete(id);
    }
    for (const zone of [...(body.zones_added ?? []), ...(body.zones_changed ?? [])]) {
      this.zoneIds.add(zone.zone_id);
      this.unreadableZones.delete(zone.zone_id);
    }
    this.noteSkipped(parsed.skipped);
    for (const item of parsed.skipped) if (item.kind === 'zone' && item.zoneId !== null) this.detector.zoneUnreadable(item.zoneId);
    // The position of a zone whose state cannot be read says nothing about listening.
    if (body.zones_seek_changed && this.unreadableZones.size > 0) body.zones_seek_changed = body.zones_seek_changed.filter((c) => !this.unreadableZones.has(c.zone_id));
    this.detector.zonesChanged(body);
    if (!this.host) return;
    if (listMayChange && this.zonesSignature() !== before) this.publish(this.host, connection);
    else this.host.report({ success: true, nowPlaying: this.detector.nowPlaying() });
  }

  /**
   * Picks the Core: the configured address, else the last known one raced
   * against a fresh discovery, whichever opens first. The last address makes
   * resume fast; discovery finds a Core that moved.
   */
  private async connect(signal: AbortSignal, session: DisposableStore, host: ServiceHost): Promise<{ connection: RoonConnection; target: Target }> {
    const { clock, keepaliveMs } = this.options;
    const config = typeof this.options.config === 'function' ? this.options.config() : this.options.config;
    const connectionOptions = { clock, logger: this.log, keepaliveMs };
    const open = (target: Target, s: AbortSignal) => RoonConnection.open(`ws://${target.host}:${target.port}/api`, connectionOptions, s);
    if (config.host && config.port) {
      const target = { host: config.host, port: config.port };
      host.report({ detail: `Connecting to the Roon Core at ${target.host}:${target.port}…` });
      return { connection: await open(target, signal), target };
    }

    const last = await this.lastCore();
    if (signal.aborted) throw signal.reason;
    host.report({ detail: last ? `Connecting to the Roon Core at ${last.host}:${last.port}…` : 'Searching for a Roon Core…' });

    const search = new DisposableStore();
    session.add(search);
    const losers = new AbortController();
    const attemptSignal = AbortSignal.any([signal, losers.signal]);
    try {
      return await new Promise<{ connection: RoonConnection; target: Target }>((resolve, reject) => {
        const inFlight = new Set<string>();
        let lastError: unknown = null;
        const attempt = (target: Target, why: string) => {
          const key = `${target.host}:${target.port}`;
          if (inFlight.has(key) || losers.signal.aborted) return;
          inFlight.add(key);
          this.log.debug(`connecting to ${key} (${why})`);
          open(target, attemptSignal).then(
            (connection) => {
              if (losers.signal.aborted) return connection.dispose();
              losers.abort();
              resolve({ connection, target });
            },
            (error) => {
              inFlight.delete(key);
              lastError = error;
              this.log.debug(`${key}: ${errorMessage(error)}`);
            },
          );
        };
        if (last) {
          attempt(last, 'last known Core');
          // A Core that restarts or refuses us for a moment is back on its old
          // address first: probing it a few times a second finds it within a
          // fraction of a second (one TCP connect each; nothing while one is open).
          search.add(clock.setInterval(() => attempt(last, 'last known Core, again'), LAST_CORE_PROBE_MS));
        }

        const discovery = search.add(new SoodDiscovery({ config: config.discovery, logger: this.log }));
        search.add(discovery.onFound((core) => attempt({ host: core.host, port: core.port, coreId: core.coreId }, `discovered ${core.name}`)));
        const query = () => void discovery.query();
        query();
        // Quick repeats cover a lost datagram right after wake, when Wi-Fi is still settling; then one a second.
        for (const ms of [250, 750]) search.add(clock.setTimeout(query, ms));
        search.add(clock.setInterval(query, 1_000));
        search.add(
          clock.setTimeout(() => {
            const why = lastError ? ` (last error: ${errorMessage(lastError)})` : '';
            reject(new ServiceError(`No Roon Core found on the network. Is Roon running? On networks that block discovery, set roon.host and roon.port.${why}`, { network: true }));
          }, this.options.searchTimeoutMs ?? 8_000),
        );
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        search.add(toDisposable(() => signal.removeEventListener('abort', onAbort)));
      });
    } finally {
      losers.abort();
      session.delete(search);
    }
  }

  private async lastCore(): Promise<Target | null> {
    try {
      const raw = await this.options.secrets.get(LAST_CORE_KEY);
      if (!raw) return null;
      const parsed = LastCoreSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private linkLost(): void {
    if (this.following) this.detector.connectionLost();
    this.following = false;
  }

  async stop(): Promise<void> {
    this.linkLost();
    this.session?.dispose();
    this.session = null;
    this.connection = null;
    this.host = null;
  }

  prepareForSleep(): void {
    if (this.following) this.detector.suspend();
    this.following = false;
    this.session?.dispose();
    this.session = null;
    this.connection = null;
  }

  probe(): HealthProbe {
    const connection = this.connection;
    if (!connection || !connection.isOpen) return { ok: false, reason: 'not connected to a Roon Core' };
    const silentMs = this.options.clock.monotonic() - connection.lastFrameAt;
    const limit = 3 * (this.options.keepaliveMs ?? 10_000);
    if (silentMs > limit) return { ok: false, reason: `nothing from the Roon Core for ${Math.round(silentMs / 1000)} s` };
    return { ok: true };
  }

  /** Zone state as the detector sees it (for the status window). */
  nowPlaying(): ZoneNowPlaying[] {
    return this.detector.nowPlaying();
  }

  /** App shutdown: the detector is kept across starts, so it is released here. */
  dispose(): void {
    void this.stop();
    this.detector.dispose();
  }
}
