// SOOD, Roon's UDP discovery: a query goes to the multicast group and to each
// interface's directed broadcast; Cores answer with their name, id and port.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { DisposableStore, Emitter, listen, toDisposable, type Disposable } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import type { Config } from '../../../shared/config';

export const ROON_CORE_SERVICE_ID = '00720724-5143-4a9b-abac-0e50cba674bb';

export type SoodType = 'Q' | 'R';
export interface SoodPacket {
  type: SoodType;
  /** null is the 0xFFFF "null" value length, distinct from an empty string. */
  properties: Record<string, string | null>;
}

export class SoodParseError extends Error {
  constructor(message: string) {
    super(`SOOD packet rejected: ${message}`);
    this.name = 'SoodParseError';
  }
}

const MAGIC = Buffer.from('SOOD', 'ascii');
const NULL_LENGTH = 0xffff;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeSood(packet: SoodPacket): Buffer {
  const parts: Buffer[] = [MAGIC, Buffer.from([2, packet.type.charCodeAt(0)])];
  for (const [key, value] of Object.entries(packet.properties)) {
    const k = Buffer.from(key, 'utf8');
    if (k.length === 0 || k.length > 255) throw new Error(`SOOD key "${key}" must be 1..255 bytes`);
    const v = value === null ? null : Buffer.from(value, 'utf8');
    if (v && v.length >= NULL_LENGTH) throw new Error(`SOOD value for ${key} is too long`);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(v ? v.length : NULL_LENGTH);
    parts.push(Buffer.from([k.length]), k, len);
    if (v) parts.push(v);
  }
  return Buffer.concat(parts);
}

function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SoodParseError(`${what} is not valid UTF-8`);
  }
}

export function decodeSood(data: Uint8Array): SoodPacket {
  if (data.length < 6) throw new SoodParseError(`only ${data.length} bytes`);
  if (!MAGIC.equals(data.subarray(0, 4))) throw new SoodParseError('no SOOD magic');
  if (data[4] !== 2) throw new SoodParseError(`version ${data[4]} is not 2`);
  const type = String.fromCharCode(data[5]!);
  if (type !== 'Q' && type !== 'R') throw new SoodParseError(`unknown type 0x${data[5]!.toString(16)}`);
  const properties: Record<string, string | null> = Object.create(null);
  let at = 6;
  while (at < data.length) {
    const keyLength = data[at]!;
    if (keyLength === 0) throw new SoodParseError(`zero key length at byte ${at}`);
    if (at + 1 + keyLength + 2 > data.length) throw new SoodParseError(`key at byte ${at} overruns the packet`);
    const key = text(data.subarray(at + 1, at + 1 + keyLength), 'a key');
    at += 1 + keyLength;
    const valueLength = (data[at]! << 8) | data[at + 1]!;
    at += 2;
    if (valueLength === NULL_LENGTH) {
      properties[key] = null;
      continue;
    }
    if (at + valueLength > data.length) throw new SoodParseError(`value of ${key} overruns the packet`);
    properties[key] = text(data.subarray(at, at + valueLength), `value of ${key}`);
    at += valueLength;
  }
  return { type, properties: { ...properties } };
}

export function soodQuery(tid: string = randomUUID()): Buffer {
  return encodeSood({ type: 'Q', properties: { query_service_id: ROON_CORE_SERVICE_ID, _tid: tid } });
}

export interface FoundCore {
  coreId: string;
  name: string;
  host: string;
  port: number;
}

const ReplySchema = z.object({
  service_id: z.literal(ROON_CORE_SERVICE_ID),
  unique_id: z.string().min(1).max(200),
  name: z.string().max(500).nullish(),
  http_port: z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().min(1).max(65535)),
  _replyaddr: z.ipv4().nullish(),
});

/** Reads a Core's reply; null when it is not one we should connect to. */
/** Set to 1 (tests, benches, CI): discovery sends to loopback addresses only. */
export const LOOPBACK_ONLY_ENV = 'ENCORE_DISCOVERY_LOOPBACK_ONLY';

let loopbackOnlyNamespace: boolean | null = null;

/**
 * True when the process's network namespace has no interface but `lo`
 * (Linux: /proc/self/net/dev lists every interface, with or without an
 * address): nothing sent can leave the machine, so the guard may let
 * discovery use the real group and broadcast, as in the namespaces the tests
 * make. Read once: a process does not change namespace.
 */
export function inLoopbackOnlyNamespace(): boolean {
  if (loopbackOnlyNamespace !== null) return loopbackOnlyNamespace;
  try {
    const names = readFileSync('/proc/self/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((line) => line.split(':')[0]!.trim())
      .filter(Boolean);
    loopbackOnlyNamespace = names.length > 0 && names.every((name) => name === 'lo');
  } catch {
    loopbackOnlyNamespace = false;
  }
  return loopbackOnlyNamespace;
}

/** The guard is on: loopback only unless this namespace has nothing else. */
function guarded(): boolean {
  return process.env[LOOPBACK_ONLY_ENV] === '1' && !inLoopbackOnlyNamespace();
}

function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

export function coreFromReply(packet: SoodPacket, sender: string, localAddresses: ReadonlySet<string>): FoundCore | null {
  if (packet.type !== 'R') return null;
  const parsed = ReplySchema.safeParse(packet.properties);
  if (!parsed.success) return null;
  const reply = parsed.data;
  const address = reply._replyaddr ?? sender;
  // A Core on this very machine may answer from an address that a firewall
  // blocks for loopback traffic; 127.0.0.1 always works.
  const host = localAddresses.has(address) ? '127.0.0.1' : address;
  return { coreId: reply.unique_id, name: reply.name || 'Roon Core', host, port: reply.http_port };
}

type DiscoveryConfig = Config['roon']['discovery'];

export interface SoodDiscoveryOptions {
  config: DiscoveryConfig;
  logger: Logger;
  /** os.networkInterfaces by default; tests and hosts with odd interfaces can pass their own. */
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

interface Target {
  /** Where the socket binds; undefined means any address. */
  bindAddress?: string;
  destinations: string[];
}

function isMulticast(address: string): boolean {
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

function directedBroadcast(address: string, netmask: string): string | null {
  const a = address.split('.').map(Number);
  const m = netmask.split('.').map(Number);
  if (a.length !== 4 || m.length !== 4 || [...a, ...m].some((n) => !Number.isInteger(n))) return null;
  return a.map((octet, i) => (octet | (~m[i]! & 0xff)) & 0xff).join('.');
}

/**
 * Sends queries when asked and reports every valid reply. The caller decides
 * the cadence (at once on start and resume, then now and then) so that nothing
 * here waits for a timer to find a Core after wake.
 */
export class SoodDiscovery implements Disposable {
  private readonly store = new DisposableStore();
  private readonly senders: Array<{ socket: dgram.Socket; destinations: string[] }> = [];
  private readonly found = this.store.add(new Emitter<FoundCore>());
  private readonly interfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  private started: Promise<void> | null = null;

  constructor(private readonly options: SoodDiscoveryOptions) {
    this.interfaces = options.interfaces ?? os.networkInterfaces;
  }

  onFound(fn: (core: FoundCore) => void): Disposable {
    return this.found.on(fn);
  }

  private localAddresses(): Set<string> {
    const out = new Set<string>(['127.0.0.1']);
    for (const list of Object.values(this.interfaces())) for (const info of list ?? []) if (info.family === 'IPv4') out.add(info.address);
    return out;
  }

  private computeTargets(): Target[] {
    const targets = this.allTargets();
    if (!guarded()) return targets;
    // Tests, benchmarks and CI must never reach the real group or a broadcast
    // address of the machine's network, whatever a config says.
    const kept = targets.map((t) => ({ ...t, destinations: t.destinations.filter(isLoopback) })).filter((t) => t.destinations.length > 0);
    const dropped = targets.flatMap((t) => t.destinations).filter((d) => !isLoopback(d));
    if (dropped.length) this.options.logger.warn(`SOOD: ${LOOPBACK_ONLY_ENV}=1, not sending to ${[...new Set(dropped)].join(', ')}`);
    return kept.map((t) => ({ destinations: t.destinations }));
  }

  private allTargets(): Target[] {
    const { multicastGroup, broadcastAddresses } = this.options.config;
    if (broadcastAddresses) return [{ destinations: [...new Set([multicastGroup, ...broadcastAddresses])] }];
    const targets: Target[] = [];
    for (const list of Object.values(this.interfaces())) {
      for (const info of list ?? []) {
        if (info.family !== 'IPv4' || info.internal) continue;
        const broadcast = directedBroadcast(info.address, info.netmask);
        targets.push({ bindAddress: info.address, destinations: [...new Set([multicastGroup, ...(broadcast ? [broadcast] : [])])] });
      }
    }
    return targets;
  }

  private openSocket(bind: { address?: string; port: number; reuseAddr?: boolean }, setup: (socket: dgram.Socket) => void): Promise<dgram.Socket | null> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: bind.reuseAddr ?? false });
    this.store.add(
      toDisposable(() => {
        try {
          socket.close();
        } catch {
          // Never bound or already closed: nothing left to release.
        }
      }),
    );
    this.store.add(listen(socket, 'message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.onMessage(msg, rinfo)));
    return new Promise((resolve) => {
      const fail = (error: Error) => {
        this.options.logger.warn(`SOOD: cannot use ${bind.address ?? '*'}:${bind.port}: ${error.message}`);
        resolve(null);
      };
      socket.once('error', fail);
      socket.bind({ address: bind.address, port: bind.port }, () => {
        socket.off('error', fail);
        // A send to an unreachable network must not become an unhandled 'error'.
        this.store.add(listen(socket, 'error', (error: Error) => this.options.logger.debug(`SOOD socket error: ${error.message}`)));
        try {
          setup(socket);
        } catch (error) {
          this.options.logger.debug(`SOOD socket setup on ${bind.address ?? '*'}: ${(error as Error).message}`);
        }
        resolve(socket);
      });
    });
  }

  /** Binds the sockets; queries sent before it resolves wait for it. */
  start(): Promise<void> {
    this.started ??= this.open();
    return this.started;
  }

  private async open(): Promise<void> {
    const { multicastGroup, port } = this.options.config;
    const loopbackOnly = guarded();
    const opening: Promise<unknown>[] = this.computeTargets().map(async (target) => {
      const socket = await this.openSocket({ address: target.bindAddress, port: 0 }, (s) => {
        s.setBroadcast(true);
        if (isMulticast(multicastGroup)) {
          s.setMulticastTTL(1);
          if (target.bindAddress) s.setMulticastInterface(target.bindAddress);
        }
      });
      if (socket) this.senders.push({ socket, destinations: target.destinations });
    });
    // Cores also answer to the group; only a real multicast group needs this
    // listener (with a unicast test address it would steal the fake's queries).
    if (isMulticast(multicastGroup) && !loopbackOnly) {
      opening.push(
        this.openSocket({ port, reuseAddr: true }, (socket) => {
          socket.addMembership(multicastGroup);
        }),
      );
    }
    await Promise.all(opening);
  }

  /** Sends one query to every target. Never throws: discovery is best effort. */
  async query(): Promise<void> {
    await this.start();
    if (this.store.isDisposed) return;
    const packet = soodQuery();
    const { port } = this.options.config;
    for (const { socket, destinations } of this.senders) {
      for (const destination of destinations) {
        const failed = (error: Error | null) => {
          if (error) this.options.logger.debug(`SOOD query to ${destination}:${port} failed: ${error.message}`);
        };
        try {
          socket.send(packet, port, destination, failed);
        } catch (error) {
          failed(error as Error);
        }
      }
    }
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let packet: SoodPacket;
    try {
      packet = decodeSood(msg);
    } catch (error) {
      this.options.logger.debug(`${(error as Error).message} (from ${rinfo.address})`);
      return;
    }
    if (packet.type !== 'R') return;
    const core = coreFromReply(packet, rinfo.address, this.localAddresses());
    if (!core) {
      this.options.logger.debug(`SOOD reply from ${rinfo.address} is not a usable Roon Core`);
      return;
    }
    this.found.fire(core);
  }

  dispose(): void {
    this.store.dispose();
    this.senders.length = 0;
  }
}
