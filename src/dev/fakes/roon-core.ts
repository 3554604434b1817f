// A Roon Core for tests, the bench and the demo: speaks the real protocol
// (SOOD, WebSocket, MOO) on 127.0.0.1, plays simulated zones on an injected
// clock and can be told to misbehave in every way a real Core or network does.
// Where RoonLabs' official client depends on a detail it follows a real Core:
// Registered lists the services the extension asked for, its MOO pings carry
// `Logging: quiet`, and startSoodResponder() answers discovery on the real port
// and group (inside a network namespace a test made; see tests/roon/sood-netns.test.ts).
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { z } from 'zod';
import { ManualClock, systemClock, type Clock } from '../../main/core/clock';
import { DisposableStore, type Disposable } from '../../main/core/disposable';
import { parseMoo, serializeMoo, splitRequestName, type MooMessage, type MooVerb } from '../../main/services/roon/moo';
import { ROON_CORE_SERVICE_ID, decodeSood, encodeSood, inLoopbackOnlyNamespace } from '../../main/services/roon/sood';

export interface FakeTrack {
  title: string;
  artist: string;
  album: string;
  /** Seconds; null for live radio. */
  length: number | null;
}

export interface FakeZoneInit {
  id: string;
  name: string;
  /** Output names; more than one makes a grouped zone. Defaults to the zone name. */
  outputs?: string[];
  state?: 'playing' | 'paused' | 'loading' | 'stopped';
  track?: FakeTrack | null;
  seek?: number;
  /** Tracks that follow when the current one ends. */
  queue?: FakeTrack[];
}

interface Zone {
  id: string;
  name: string;
  outputs: string[];
  state: 'playing' | 'paused' | 'loading' | 'stopped';
  track: FakeTrack | null;
  seek: number;
  queue: FakeTrack[];
}

export interface FakeRoonCoreOptions {
  /** Pings and slow answers run on it; a ManualClock is also advanced by tick(). */
  clock?: Clock;
  coreId?: string;
  name?: string;
  version?: string;
  /** Tokens that are answered with Registered at once. */
  knownTokens?: string[];
  /** Answer every register at once, as if the user had enabled the extension long ago. */
  autoAuthorise?: boolean;
  /** MOO pings to the extension; 0 turns them off. */
  pingIntervalMs?: number;
  zones?: FakeZoneInit[];
}

export interface FakeLinkInfo {
  /** Request ids the extension used on this connection, in order. */
  requestIds: number[];
  registered: boolean;
  open: boolean;
}

export interface StatusLine {
  message: string;
  is_error: boolean;
}

const RegisterBody = z.object({
  extension_id: z.string().min(1),
  display_name: z.string().min(1),
  display_version: z.string().min(1),
  publisher: z.string().min(1),
  email: z.string().min(1),
  website: z.string().optional(),
  token: z.string().optional(),
  required_services: z.array(z.string()),
  optional_services: z.array(z.string()),
  provided_services: z.array(z.string()).refine((s) => s.includes('com.roonlabs.ping:1'), 'must provide com.roonlabs.ping:1'),
});
/** What this fake Core can provide to an extension that asks. */
const CORE_SERVICES = new Set(['com.roonlabs.transport:2', 'com.roonlabs.image:1', 'com.roonlabs.browse:1']);
const QUIET = { Logging: 'quiet' };

function isCoreQuery(msg: Buffer): boolean {
  try {
    const packet = decodeSood(msg);
    return packet.type === 'Q' && packet.properties.query_service_id === ROON_CORE_SERVICE_ID;
  } catch {
    return false;
  }
}

const TransferBody = z.object({ from_zone_or_output_id: z.string(), to_zone_or_output_id: z.string() });
const SubscriptionBody = z.object({ subscription_key: z.union([z.number(), z.string()]) });
const StatusBody = z.object({ message: z.string(), is_error: z.boolean() });

class Link {
  nextId = 0;
  readonly pending = new Map<number, (message: MooMessage) => void>();
  readonly zoneSubscriptions = new Map<number, string>();
  readonly info: FakeLinkInfo = { requestIds: [], registered: false, open: true };
  /** Silent death: the TCP connection stays, nothing else happens. */
  silent = false;
  constructor(
    readonly ws: WebSocket,
    readonly socket: Duplex,
  ) {}
}

export class FakeRoonCore {
  readonly events = new EventEmitter();
  readonly coreId: string;
  readonly name: string;
  readonly version: string;
  readonly clock: Clock;
  readonly knownTokens: Set<string>;
  /** Every status line the extension showed, in order (Subscribed, then each Changed). */
  readonly statusMessages: StatusLine[] = [];
  readonly registrations: Array<z.infer<typeof RegisterBody>> = [];
  readonly links: FakeLinkInfo[] = [];
  autoAuthorise: boolean;
  /** Answers to the extension's requests wait this long on the clock. */
  answerDelayMs = 0;
  /** The WebSocket handshake is never answered (TCP accepted, HTTP upgrade left hanging). */
  hangHandshakes = false;
  /** Close the original subscribe request too when unsubscribing (the unverified reply form). */
  completeOriginalOnUnsubscribe = false;
  pingsAnswered = 0;
  soodQueries = 0;
  /** Queries that reached the responder through the multicast group (startSoodResponder only). */
  soodGroupQueries = 0;
  /** Zones as raw JSON, listed after the simulated ones (a Core's zone that the extension may not understand). */
  readonly rawZones: unknown[] = [];

  private readonly zones = new Map<string, Zone>();
  private readonly live = new Set<Link>();
  private readonly rawSockets = new Set<Duplex>();
  private readonly waiting = new Map<Link, number>();
  /** The services each link's register asked for. */
  private readonly asked = new Map<Link, string[]>();
  private readonly timers = new DisposableStore();
  private server: http.Server | null = null;
  private wss: WebSocketServer | null = null;
  private sood: dgram.Socket | null = null;
  private soodGroup: dgram.Socket | null = null;
  private listening = false;
  private portNumber = 0;

  constructor(options: FakeRoonCoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.coreId = options.coreId ?? 'fake-core-0001';
    this.name = options.name ?? 'Fake Core';
    this.version = options.version ?? '2.0 (build 1500) production';
    this.knownTokens = new Set(options.knownTokens ?? []);
    this.autoAuthorise = options.autoAuthorise ?? false;
    for (const zone of options.zones ?? []) this.zones.set(zone.id, this.makeZone(zone));
    const pingMs = options.pingIntervalMs ?? 5_000;
    if (pingMs > 0) this.timers.add(this.clock.setInterval(() => this.pingAll(), pingMs));
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.portNumber}/api`;
  }

  /** Open WebSocket connections. */
  get connectionCount(): number {
    return this.live.size;
  }

  /** Open TCP connections, handshaken or not. */
  get tcpConnectionCount(): number {
    return this.rawSockets.size;
  }

  get lastStatus(): StatusLine | null {
    return this.statusMessages.at(-1) ?? null;
  }

  async start(port = 0): Promise<this> {
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    this.server = http.createServer((_req, res) => res.writeHead(404).end());
    this.server.on('connection', (socket) => {
      this.rawSockets.add(socket);
      this.events.emit('tcp-connection');
      socket.on('close', () => {
        this.rawSockets.delete(socket);
        this.events.emit('tcp-close');
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      if (this.hangHandshakes) return;
      if (req.url !== '/api') {
        socket.destroy();
        return;
      }
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket));
    });
    await this.listen(port);
    return this;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => {
        this.server!.off('error', reject);
        this.portNumber = (this.server!.address() as { port: number }).port;
        this.listening = true;
        resolve();
      });
    });
  }

  /** Stops listening: new connections are refused (ECONNREFUSED); open ones stay. */
  refuseConnections(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server?.close();
  }

  /** Listens again on the same port. */
  async acceptConnections(): Promise<void> {
    if (this.listening || !this.server) return;
    await this.listen(this.portNumber);
  }

  async stop(): Promise<void> {
    this.timers.dispose();
    for (const link of this.live) link.ws.terminate();
    for (const socket of this.rawSockets) socket.destroy();
    this.stopSood();
    this.wss?.close();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- SOOD --------------------------------------------------------------

  /** Answers SOOD queries on 127.0.0.1; returns the UDP port to put in config.roon.discovery. */
  async startSood(port = 0): Promise<number> {
    const socket = dgram.createSocket('udp4');
    this.sood = socket;
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => this.answerSood(socket, msg, rinfo));
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
    return socket.address().port;
  }

  /**
   * Answers discovery as a real Core does: bound to every address on the SOOD
   * port (9003) and a member of the SOOD group on loopback, so queries sent to
   * the group and to a broadcast address both arrive. Only for a network
   * namespace with nothing but loopback in it: outside one the guard in
   * sood.ts keeps Encore from sending there, and this refuses to join.
   */
  async startSoodResponder(options: { port?: number; group?: string } = {}): Promise<void> {
    const port = options.port ?? 9003;
    const group = options.group ?? '239.255.90.90';
    if (!inLoopbackOnlyNamespace()) throw new Error('startSoodResponder runs only in a network namespace with nothing but loopback');
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.sood = socket;
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => this.answerSood(socket, msg, rinfo));
    await new Promise<void>((resolve) => socket.bind(port, () => resolve()));
    socket.addMembership(group, '127.0.0.1');
    // Bound to the group address, this one sees only what was sent to the
    // group: the count tells a test that the multicast path was used.
    const groupOnly = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    this.soodGroup = groupOnly;
    groupOnly.on('error', () => {});
    groupOnly.on('message', (msg) => {
      if (isCoreQuery(msg)) this.soodGroupQueries++;
    });
    await new Promise<void>((resolve) => groupOnly.bind(port, group, () => resolve()));
    groupOnly.addMembership(group, '127.0.0.1');
  }

  private answerSood(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let packet;
    try {
      packet = decodeSood(msg);
    } catch {
      return;
    }
    if (packet.type !== 'Q' || packet.properties.query_service_id !== ROON_CORE_SERVICE_ID) return;
    this.soodQueries++;
    this.events.emit('sood-query', packet);
    const reply = encodeSood({
      type: 'R',
      properties: {
        service_id: ROON_CORE_SERVICE_ID,
        unique_id: this.coreId,
        name: this.name,
        display_version: this.version,
        http_port: String(this.portNumber),
        tcp_port: String(this.portNumber + 1),
        _tid: packet.properties._tid ?? null,
      },
    });
    socket.send(reply, rinfo.port, rinfo.address);
  }

  stopSood(): void {
    this.sood?.close();
    this.sood = null;
    this.soodGroup?.close();
    this.soodGroup = null;
  }

  // --- connections and MOO -----------------------------------------------

  private onConnection(ws: WebSocket, socket: Duplex): void {
    const link = new Link(ws, socket);
    this.live.add(link);
    this.links.push(link.info);
    ws.on('error', () => {});
    ws.on('ping', (data) => {
      if (!link.silent && ws.readyState === WebSocket.OPEN) ws.pong(data);
    });
    ws.on('message', (data, isBinary) => this.onFrame(link, data as Buffer, isBinary));
    ws.on('close', () => {
      link.info.open = false;
      // Whoever waits for an answer on this link gets one, so flush() never hangs.
      for (const [requestId, handler] of [...link.pending]) handler({ verb: 'COMPLETE', name: 'ConnectionClosed', requestId, headers: {} });
      link.pending.clear();
      this.live.delete(link);
      this.waiting.delete(link);
      this.asked.delete(link);
      this.events.emit('disconnect', link.info);
    });
    this.events.emit('connection', link.info);
  }

  private send(link: Link, verb: MooVerb, name: string, requestId: number, body?: unknown, headers?: Record<string, string>): void {
    if (link.silent || link.ws.readyState !== WebSocket.OPEN) return;
    link.ws.send(serializeMoo({ verb, name, requestId, body, headers }), { binary: true });
  }

  /** A request from the Core to the extension; the promise settles on the first answer. */
  private request(link: Link, name: string, body?: unknown, onLater?: (m: MooMessage) => void, headers?: Record<string, string>): Promise<MooMessage> {
    const id = link.nextId++;
    return new Promise((resolve) => {
      let first = true;
      link.pending.set(id, (message) => {
        if (message.verb === 'COMPLETE') link.pending.delete(id);
        if (first) {
          first = false;
          resolve(message);
        } else onLater?.(message);
      });
      this.send(link, 'REQUEST', name, id, body, headers);
      this.events.emit('request-to-extension', { name, headers: headers ?? {} });
    });
  }

  private onFrame(link: Link, data: Buffer, isBinary: boolean): void {
    // A real Core ignores anything it cannot read.
    if (link.silent || !isBinary) return;
    let message: MooMessage;
    try {
      message = parseMoo(data);
    } catch {
      return;
    }
    if (message.verb !== 'REQUEST') {
      link.pending.get(message.requestId)?.(message);
      return;
    }
    link.info.requestIds.push(message.requestId);
    this.events.emit('request', message);
    const answer = () => this.onRequest(link, message);
    if (this.answerDelayMs > 0) {
      const timer = this.timers.add(
        this.clock.setTimeout(() => {
          this.timers.delete(timer);
          answer();
        }, this.answerDelayMs),
      );
    } else answer();
  }

  private onRequest(link: Link, message: MooMessage): void {
    const { service, method } = splitRequestName(message.name);
    const id = message.requestId;
    const invalid = (error: string) => this.send(link, 'COMPLETE', 'InvalidRequest', id, { error });

    if (service === 'com.roonlabs.registry:1') {
      if (method === 'info') return this.send(link, 'COMPLETE', 'Success', id, this.info());
      if (method === 'register') {
        const parsed = RegisterBody.safeParse(message.body);
        if (!parsed.success) return invalid(`bad register body: ${parsed.error.message}`);
        this.registrations.push(parsed.data);
        const token = parsed.data.token;
        const asked = [...parsed.data.required_services, ...parsed.data.optional_services];
        this.asked.set(link, asked);
        if (this.autoAuthorise || (token && this.knownTokens.has(token))) return this.registered(link, id, token, asked);
        // Not enabled yet: the Core says nothing until the user clicks Enable.
        this.waiting.set(link, id);
        this.events.emit('waiting-authorisation');
        return;
      }
    }

    if (service === 'com.roonlabs.transport:2') {
      if (!link.info.registered) return invalid('the extension is not registered');
      if (method === 'subscribe_zones') {
        const parsed = SubscriptionBody.safeParse(message.body);
        if (!parsed.success) return invalid('subscription_key is missing');
        link.zoneSubscriptions.set(id, String(parsed.data.subscription_key));
        this.send(link, 'CONTINUE', 'Subscribed', id, { zones: this.zoneList() });
        this.events.emit('zones-subscribed', link.info);
        return;
      }
      if (method === 'unsubscribe_zones') {
        const parsed = SubscriptionBody.safeParse(message.body);
        if (!parsed.success) return invalid('subscription_key is missing');
        for (const [reqId, key] of link.zoneSubscriptions) {
          if (key !== String(parsed.data.subscription_key)) continue;
          link.zoneSubscriptions.delete(reqId);
          if (this.completeOriginalOnUnsubscribe) this.send(link, 'COMPLETE', 'Unsubscribed', reqId);
        }
        if (!this.completeOriginalOnUnsubscribe) this.send(link, 'COMPLETE', 'Unsubscribed', id);
        return;
      }
      if (method === 'get_zones') return this.send(link, 'COMPLETE', 'Success', id, { zones: this.zoneList() });
      if (method === 'transfer_zone') {
        const parsed = TransferBody.safeParse(message.body);
        const from = parsed.success ? this.zones.get(parsed.data.from_zone_or_output_id) : undefined;
        const to = parsed.success ? this.zones.get(parsed.data.to_zone_or_output_id) : undefined;
        if (!from || !to || from === to) return invalid('unknown or identical zones');
        this.send(link, 'COMPLETE', 'Success', id);
        this.transfer(from.id, to.id);
        return;
      }
    }
    invalid(`unknown request ${message.name}`);
  }

  private info() {
    return { core_id: this.coreId, display_name: this.name, display_version: this.version };
  }

  private registered(link: Link, requestId: number, offered?: string, asked: readonly string[] = []): void {
    const token = offered && this.knownTokens.has(offered) ? offered : `token-${randomUUID()}`;
    this.knownTokens.add(token);
    link.info.registered = true;
    this.send(link, 'CONTINUE', 'Registered', requestId, {
      ...this.info(),
      token,
      // A real Core lists what the extension asked for (required and optional)
      // among what it has; the official client builds its service table from it.
      provided_services: asked.filter((name) => CORE_SERVICES.has(name)),
      http_port: this.portNumber,
    });
    this.events.emit('registered', token);
    // What a real Core does right after Registered.
    const recordStatus = (message: MooMessage) => {
      const parsed = StatusBody.safeParse(message.body);
      if (!parsed.success) return;
      this.statusMessages.push(parsed.data);
      this.events.emit('status', parsed.data);
    };
    void this.request(link, 'com.roonlabs.status:1/subscribe_status', { subscription_key: String(200 + link.nextId) }, recordStatus).then(recordStatus);
    void this.request(link, 'com.roonlabs.pairing:1/subscribe_pairing', { subscription_key: String(200 + link.nextId) }, () => {}).then((m) =>
      this.events.emit('pairing', m.body),
    );
  }

  /** Sends a request to the extension on every live link; resolves with the first link's answer. */
  async requestFromExtension(name: string, body?: unknown): Promise<MooMessage> {
    const answers = await Promise.all([...this.live].map((link) => this.request(link, name, body)));
    if (!answers[0]) throw new Error('no extension is connected');
    return answers[0];
  }

  /** The user clicks Enable in Roon → Settings → Extensions. */
  authorise(): void {
    for (const [link, requestId] of this.waiting) this.registered(link, requestId, undefined, this.asked.get(link));
    this.waiting.clear();
  }

  /** The user disables the extension: saved tokens no longer work. */
  revokeTokens(): void {
    this.knownTokens.clear();
  }

  private pingAll(): void {
    for (const link of this.live) {
      if (link.silent) continue;
      void this.request(link, 'com.roonlabs.ping:1/ping', undefined, undefined, QUIET).then((m) => {
        if (m.name === 'Success') this.pingsAnswered++;
        this.events.emit('ping-answered');
      });
    }
  }

  /**
   * Resolves once the extension has answered a MOO ping on every live link:
   * everything sent before has then been read and handled. Tests wait on this
   * instead of sleeping.
   */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.live].filter((l) => !l.silent).map((link) =>
        // Quiet, like the Core's own pings: a round trip, not an event worth logging.
        this.request(link, 'com.roonlabs.ping:1/ping', undefined, undefined, QUIET).then(() => {
          this.pingsAnswered++;
        }),
      ),
    );
  }

  // --- zones ---------------------------------------------------------------

  private makeZone(init: FakeZoneInit): Zone {
    return {
      id: init.id,
      name: init.name,
      outputs: init.outputs ?? [init.name],
      state: init.state ?? (init.track ? 'playing' : 'stopped'),
      track: init.track ?? null,
      seek: init.seek ?? 0,
      queue: [...(init.queue ?? [])],
    };
  }

  private zoneJson(zone: Zone) {
    const outputIds = zone.outputs.map((_, i) => `${zone.id}-out-${i}`);
    const queueTime = zone.queue.reduce((sum, t) => sum + (t.length ?? 0), 0);
    const track = zone.track;
    return {
      zone_id: zone.id,
      display_name: zone.outputs.length > 1 ? `${zone.name} + ${zone.outputs.length - 1}` : zone.name,
      outputs: zone.outputs.map((name, i) => ({
        output_id: outputIds[i],
        zone_id: zone.id,
        display_name: name,
        can_group_with_output_ids: outputIds,
        volume: { type: 'number', min: 0, max: 100, value: 40, step: 1, is_muted: false },
        source_controls: [{ control_key: '1', display_name: name, status: 'selected', supports_standby: false }],
      })),
      state: zone.state,
      is_next_allowed: zone.queue.length > 0,
      is_previous_allowed: true,
      is_pause_allowed: zone.state === 'playing',
      is_play_allowed: zone.state !== 'playing',
      is_seek_allowed: track?.length != null,
      queue_items_remaining: zone.queue.length,
      queue_time_remaining: queueTime + Math.max(0, (track?.length ?? 0) - zone.seek),
      ...(track ? { seek_position: zone.seek } : {}),
      settings: { loop: 'disabled', shuffle: false, auto_radio: true },
      ...(track
        ? {
            now_playing: {
              seek_position: zone.state === 'loading' ? null : zone.seek,
              ...(track.length != null ? { length: track.length } : {}),
              image_key: `img-${track.title.length}`,
              artist_image_keys: [],
              one_line: { line1: `${track.title} - ${track.artist}` },
              two_line: { line1: track.title, line2: track.artist },
              three_line: { line1: track.title, line2: track.artist, line3: track.album },
            },
          }
        : {}),
    };
  }

  private zoneList(): unknown[] {
    return [...[...this.zones.values()].map((z) => this.zoneJson(z)), ...this.rawZones];
  }

  /** A zone as this Core sends it, to be bent into a shape the extension may not understand. */
  zoneSnapshot(id: string): Record<string, unknown> {
    return structuredClone(this.zoneJson(this.zone(id))) as Record<string, unknown>;
  }

  /** Adds a zone sent exactly as given (in Subscribed from now on, and as zones_added now). */
  addRawZone(json: unknown): void {
    this.rawZones.push(json);
    this.sendZonesChanged({ zones_added: [json] });
  }

  private seekEntry(zone: Zone) {
    return {
      zone_id: zone.id,
      seek_position: zone.seek,
      queue_time_remaining: zone.queue.reduce((s, t) => s + (t.length ?? 0), 0) + Math.max(0, (zone.track?.length ?? 0) - zone.seek),
    };
  }

  /** Sends one `Changed` to every zone subscription. */
  sendZonesChanged(body: Record<string, unknown>): void {
    for (const link of this.live)
      for (const requestId of link.zoneSubscriptions.keys()) this.send(link, 'CONTINUE', 'Changed', requestId, body);
  }

  private zone(id: string): Zone {
    const zone = this.zones.get(id);
    if (!zone) throw new Error(`fake core has no zone ${id}`);
    return zone;
  }

  addZone(init: FakeZoneInit): void {
    const zone = this.makeZone(init);
    this.zones.set(zone.id, zone);
    this.sendZonesChanged({ zones_added: [this.zoneJson(zone)] });
  }

  removeZone(id: string): void {
    this.zones.delete(id);
    this.sendZonesChanged({ zones_removed: [id] });
  }

  /**
   * Starts a track (or resumes the current one). `viaLoading` first sends the
   * zone in `loading`, as real Cores do between tracks; `withSeek` puts the
   * zone change and a seek update in one message.
   */
  play(zoneId: string, track?: FakeTrack, options: { viaLoading?: boolean; withSeek?: boolean } = {}): void {
    const zone = this.zone(zoneId);
    if (track) {
      zone.track = track;
      zone.seek = 0;
      if (options.viaLoading) {
        zone.state = 'loading';
        this.sendZonesChanged({ zones_changed: [this.zoneJson(zone)] });
      }
    }
    zone.state = 'playing';
    this.sendZonesChanged({
      zones_changed: [this.zoneJson(zone)],
      ...(options.withSeek ? { zones_seek_changed: [this.seekEntry(zone)] } : {}),
    });
  }

  pause(zoneId: string): void {
    const zone = this.zone(zoneId);
    zone.state = 'paused';
    this.sendZonesChanged({ zones_changed: [this.zoneJson(zone)] });
  }

  stopZone(zoneId: string): void {
    const zone = this.zone(zoneId);
    zone.state = 'stopped';
    this.sendZonesChanged({ zones_changed: [this.zoneJson(zone)] });
  }

  /** The user drags the seek bar: only a seek update, as on a real Core. */
  seek(zoneId: string, seconds: number): void {
    const zone = this.zone(zoneId);
    zone.seek = seconds;
    this.sendZonesChanged({ zones_seek_changed: [this.seekEntry(zone)] });
  }

  /**
   * Roon's Transfer Zone: the queue and the play head move to another zone.
   * The source stops with nothing loaded and the destination shows the same
   * track through `loading`, then plays on from the same position.
   * `destinationFirst` announces the destination before the source stops.
   */
  transfer(fromZoneId: string, toZoneId: string, options: { destinationFirst?: boolean } = {}): void {
    const from = this.zone(fromZoneId);
    const to = this.zone(toZoneId);
    to.track = from.track;
    to.seek = from.seek;
    to.queue = from.queue;
    const playing = from.state === 'playing';
    to.state = 'loading';
    from.track = null;
    from.seek = 0;
    from.queue = [];
    from.state = 'stopped';
    const source = this.zoneJson(from);
    const loading = this.zoneJson(to);
    this.sendZonesChanged({ zones_changed: options.destinationFirst ? [loading, source] : [source, loading] });
    to.state = playing ? 'playing' : 'paused';
    this.sendZonesChanged({ zones_changed: [this.zoneJson(to)], zones_seek_changed: [this.seekEntry(to)] });
  }

  /** Groups outputs into one zone (one play, several outputs). */
  group(zoneId: string, outputs: string[]): void {
    const zone = this.zone(zoneId);
    zone.outputs = outputs;
    this.sendZonesChanged({ zones_changed: [this.zoneJson(zone)] });
  }

  enqueue(zoneId: string, ...tracks: FakeTrack[]): void {
    this.zone(zoneId).queue.push(...tracks);
  }

  /**
   * Plays on for `seconds`: each simulated second moves a ManualClock by 1 s,
   * advances every playing zone and sends one Changed with the seek updates (a
   * finished track moves to the next in the queue via `loading`, combined with
   * the seek update of the other zones). Waits for the extension to read each
   * second, so keepalive timers on a shared clock see their pongs.
   */
  async tick(seconds = 1): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      this.tickOnce(true);
      await this.flush();
    }
  }

  /** One simulated second: the clock (when manual), the zones, one Changed. */
  private tickOnce(moveClock: boolean): void {
    if (moveClock && this.clock instanceof ManualClock) this.clock.advance(1000);
    const changed: unknown[] = [];
    const seeks: unknown[] = [];
    for (const zone of this.zones.values()) {
      if (zone.state !== 'playing' || !zone.track) continue;
      zone.seek += 1;
      if (zone.track.length !== null && zone.seek >= zone.track.length) {
        const next = zone.queue.shift();
        if (next) {
          zone.track = next;
          zone.seek = 0;
          zone.state = 'loading';
          this.sendZonesChanged({ zones_changed: [this.zoneJson(zone)] });
          zone.state = 'playing';
        } else {
          zone.state = 'stopped';
          zone.seek = 0;
        }
        changed.push(this.zoneJson(zone));
      } else seeks.push(this.seekEntry(zone));
    }
    if (changed.length || seeks.length) {
      this.sendZonesChanged({
        ...(changed.length ? { zones_changed: changed } : {}),
        ...(seeks.length ? { zones_seek_changed: seeks } : {}),
      });
    }
  }

  /** For the demo on the system clock: plays on by itself, one tick a second. */
  playInRealTime(): Disposable {
    // No round trip per second here: a real Core sends its updates and only
    // its regular quiet pings, and nothing waits on the extension.
    return this.timers.add(this.clock.setInterval(() => this.tickOnce(false), 1000));
  }

  // --- faults --------------------------------------------------------------

  /** A clean WebSocket close from the Core. */
  closeConnections(code = 1001): void {
    for (const link of this.live) link.ws.close(code);
  }

  /** The TCP connection vanishes without a close frame. */
  destroyConnections(): void {
    for (const link of this.live) link.socket.destroy();
  }

  /** TCP stays open but nothing comes back: no pongs, no MOO, no answers. */
  dieSilently(): void {
    for (const link of this.live) link.silent = true;
  }

  /** Sends bytes as they are to every connection (malformed frames). */
  sendRaw(data: Uint8Array | string, binary = true): void {
    for (const link of this.live) if (!link.silent && link.ws.readyState === WebSocket.OPEN) link.ws.send(data, { binary });
  }

  /** A well-formed response for a request the extension never made. */
  sendUnknownResponse(requestId = 987_654): void {
    for (const link of this.live) this.send(link, 'COMPLETE', 'Success', requestId, { surprise: true });
  }

  /** Frames a realistic Core sends, for fuzzing. */
  sampleFrames(): Buffer[] {
    const zone = [...this.zones.values()][0];
    const frames = [
      serializeMoo({ verb: 'REQUEST', name: 'com.roonlabs.ping:1/ping', requestId: 7, headers: { Logging: 'quiet' } }),
      serializeMoo({ verb: 'REQUEST', name: 'com.roonlabs.status:1/subscribe_status', requestId: 8, body: { subscription_key: '261' } }),
      serializeMoo({ verb: 'COMPLETE', name: 'Success', requestId: 0, body: this.info() }),
      serializeMoo({ verb: 'CONTINUE', name: 'Changed', requestId: 2, body: { zones_removed: ['z'] } }),
    ];
    if (zone) {
      frames.push(serializeMoo({ verb: 'CONTINUE', name: 'Changed', requestId: 2, body: { zones_changed: [this.zoneJson(zone)], zones_seek_changed: [this.seekEntry(zone)] } }));
      frames.push(serializeMoo({ verb: 'CONTINUE', name: 'Subscribed', requestId: 2, body: { zones: this.zoneList() } }));
    }
    return frames;
  }
}
