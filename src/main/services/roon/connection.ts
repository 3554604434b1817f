// One WebSocket link to a Roon Core, speaking MOO: our requests and
// subscriptions, the Core's requests to us (ping, pairing, status), and the
// keepalive that notices a dead link within two ping periods.
import WebSocket from 'ws';
import { z } from 'zod';
import type { Clock } from '../../core/clock';
import { DisposableStore, Emitter, toDisposable, type Disposable } from '../../core/disposable';
import type { Logger } from '../../core/logger';
import { ServiceError, errorMessage } from '../../core/service';
import { parseMoo, serializeMoo, splitRequestName, type MooMessage, type MooVerb } from './moo';

export const PING_SERVICE = 'com.roonlabs.ping:1';
export const PAIRING_SERVICE = 'com.roonlabs.pairing:1';
export const STATUS_SERVICE = 'com.roonlabs.status:1';

export interface RoonConnectionOptions {
  clock: Clock;
  logger: Logger;
  /** WebSocket ping period; a missed pong by the next tick drops the link. */
  keepaliveMs?: number;
  /** Largest frame accepted; a full zone list is far below this. */
  maxPayloadBytes?: number;
}

export interface RoonSubscription {
  readonly key: number;
  /** Ends it; resolves on either reply form a Core may use. */
  unsubscribe(signal?: AbortSignal): Promise<void>;
}

// The Core sends its subscription keys as strings, but be lenient with numbers.
const SubscribeBody = z.object({ subscription_key: z.union([z.string().min(1).max(100), z.number().int()]).transform(String) });

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function linkError(message: string, cause?: unknown): ServiceError {
  return new ServiceError(message, { network: true, cause });
}

type ResponseHandler = (message: MooMessage) => void;

export class RoonConnection implements Disposable {
  /**
   * Opens the socket. Aborting closes it at once, also while the WebSocket
   * handshake hangs: a link that never opened must leave nothing behind.
   */
  static open(url: string, options: RoonConnectionOptions, signal: AbortSignal): Promise<RoonConnection> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: options.maxPayloadBytes ?? 16 * 1024 * 1024 });
    // ws reports a failed or aborted handshake as an 'error' event; without a
    // listener that would be an uncaught exception.
    ws.on('error', (error) => options.logger.debug(`Roon socket error: ${error.message}`));
    return new Promise((resolve, reject) => {
      const settle = () => {
        signal.removeEventListener('abort', onAbort);
        ws.off('open', onOpen);
        ws.off('error', onError);
        ws.off('close', onClose);
      };
      const onAbort = () => {
        settle();
        ws.terminate();
        reject(abortReason(signal));
      };
      const onOpen = () => {
        settle();
        resolve(new RoonConnection(ws, url, options));
      };
      const onError = (error: Error) => {
        settle();
        ws.terminate();
        reject(linkError(`Cannot connect to the Roon Core at ${url}: ${error.message}`, error));
      };
      const onClose = () => {
        settle();
        reject(linkError(`The Roon Core at ${url} closed the connection while it opened`));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('open', onOpen);
      ws.on('error', onError);
      ws.on('close', onClose);
    });
  }

  private readonly store = new DisposableStore();
  private readonly lost = new Emitter<ServiceError>();
  private readonly pending = new Map<number, ResponseHandler>();
  /** Rejecters of promises still waiting for a first response. */
  private readonly waiting = new Set<(error: Error) => void>();
  private nextRequestId = 0;
  private nextSubscriptionKey = 0;
  private closed = false;
  private awaitingPong = false;
  private lastFrame: number;
  private readonly keepaliveMs: number;

  private status = { message: '', is_error: false };
  private readonly statusSubscribers = new Map<string, number>();
  private pairedCoreId: string | null = null;
  private readonly pairingSubscribers = new Map<string, number>();

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
    private readonly options: RoonConnectionOptions,
  ) {
    const { clock } = options;
    this.keepaliveMs = options.keepaliveMs ?? 10_000;
    this.lastFrame = clock.monotonic();
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => {
      this.awaitingPong = false;
      this.lastFrame = clock.monotonic();
    });
    ws.on('close', (code) => this.lose(linkError(`The Roon Core closed the connection (code ${code})`)));
    // On the clock's shared beat: the keepalive costs no wakeup of its own.
    this.store.add(clock.setCoarseInterval(() => this.keepalive(), this.keepaliveMs));
    this.store.add(
      toDisposable(() => {
        // A close frame is polite, but a dead peer never answers it and ws
        // would then keep the socket for 30 s: terminate right after.
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        ws.terminate();
      }),
    );
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Monotonic time of the last frame (message or pong) from the Core. */
  get lastFrameAt(): number {
    return this.lastFrame;
  }

  /** Fires once when the link dies on its own (not after dispose()). */
  onLost(fn: (error: ServiceError) => void): Disposable {
    return this.lost.on(fn);
  }

  private keepalive(): void {
    if (this.awaitingPong) {
      this.lose(linkError(`The Roon Core stopped answering (no pong within ${this.keepaliveMs / 1000} s)`));
      return;
    }
    if (this.options.clock.monotonic() - this.lastFrame > 2 * this.keepaliveMs) {
      this.lose(linkError('The Roon Core went silent'));
      return;
    }
    this.awaitingPong = true;
    try {
      this.ws.ping();
    } catch (error) {
      this.lose(linkError(`Cannot ping the Roon Core: ${errorMessage(error)}`, error));
    }
  }

  private lose(error: ServiceError): void {
    if (this.closed) return;
    this.options.logger.info(`Roon link lost: ${error.message}`);
    this.shutdown(error);
    this.lost.fire(error);
    this.lost.dispose();
  }

  private shutdown(error: Error): void {
    this.closed = true;
    for (const reject of [...this.waiting]) reject(error);
    this.waiting.clear();
    this.pending.clear();
    this.store.clear();
  }

  dispose(): void {
    if (this.closed) return;
    this.shutdown(new ServiceError('The Roon connection was closed', { network: true }));
    this.lost.dispose();
    this.store.dispose();
  }

  private onFrame(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastFrame = this.options.clock.monotonic();
    if (!isBinary) {
      this.options.logger.warn('Ignoring a text frame from the Roon Core (MOO frames are binary)');
      return;
    }
    let message: MooMessage;
    try {
      // ws hands over a Buffer (binaryType nodebuffer): parsed where it lies, not copied.
      message = parseMoo(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : new Uint8Array(data));
    } catch (error) {
      this.options.logger.warn(`Ignoring a frame from the Roon Core: ${errorMessage(error)}`);
      return;
    }
    try {
      if (message.verb === 'REQUEST') this.onRequest(message);
      else this.onResponse(message);
    } catch (error) {
      // A bug in a handler must cost one message, never the process.
      this.options.logger.error(`Handling ${message.verb} ${message.name} failed: ${errorMessage(error)}`);
    }
  }

  private onResponse(message: MooMessage): void {
    const handler = this.pending.get(message.requestId);
    if (!handler) {
      // The official client closes the socket here; a stray id is not worth a reconnect.
      this.options.logger.warn(`Ignoring ${message.verb} ${message.name} for unknown request id ${message.requestId}`);
      return;
    }
    if (message.verb === 'COMPLETE') this.pending.delete(message.requestId);
    handler(message);
  }

  private send(verb: MooVerb, name: string, requestId: number, body?: unknown): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(serializeMoo({ verb, name, requestId, body }), { binary: true }, (error) => {
      if (error) this.options.logger.debug(`Sending ${name} failed: ${error.message}`);
    });
  }

  /**
   * Sends a request; resolves with its first response (CONTINUE or COMPLETE).
   * `onLater` receives the CONTINUE/COMPLETE messages after the first one.
   * Aborting closes the connection: a half-made exchange leaves it in an unknown state.
   */
  request(name: string, body?: unknown, signal?: AbortSignal, onLater?: ResponseHandler): Promise<MooMessage> {
    if (this.closed) return Promise.reject(linkError('The Roon connection is closed'));
    if (signal?.aborted) {
      this.dispose();
      return Promise.reject(abortReason(signal));
    }
    const id = this.nextRequestId++;
    return new Promise<MooMessage>((resolve, reject) => {
      let first = true;
      const done = () => {
        this.waiting.delete(fail);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: Error) => {
        done();
        reject(error);
      };
      const onAbort = () => {
        done();
        this.dispose();
        reject(abortReason(signal!));
      };
      this.pending.set(id, (message) => {
        if (!first) {
          if (onLater) onLater(message);
          else this.options.logger.debug(`Ignoring a further ${message.verb} ${message.name} on request ${id} (${name})`);
          return;
        }
        first = false;
        done();
        resolve(message);
      });
      this.waiting.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.send('REQUEST', name, id, body);
    });
  }

  /**
   * `<service>/subscribe_<what>`: resolves with the first answer (normally
   * `Subscribed`); later updates go to `onUpdate`, including a COMPLETE when
   * the Core ends the subscription on its own.
   */
  async subscribe(
    service: string,
    what: string,
    onUpdate: ResponseHandler,
    signal?: AbortSignal,
    body: Record<string, unknown> = {},
  ): Promise<{ first: MooMessage; subscription: RoonSubscription }> {
    const key = this.nextSubscriptionKey++;
    let ended: (() => void) | null = null;
    const requestId = this.nextRequestId;
    const first = await this.request(`${service}/subscribe_${what}`, { ...body, subscription_key: key }, signal, (message) => {
      // Some Cores close the subscription itself when we unsubscribe; a COMPLETE
      // at any other time means the Core ended it, which the caller must hear.
      if (message.verb === 'COMPLETE' && ended) return ended();
      onUpdate(message);
    });
    const subscription: RoonSubscription = {
      key,
      unsubscribe: async (unsubscribeSignal?: AbortSignal) => {
        if (this.closed || !this.pending.has(requestId)) return;
        const closedOriginal = new Promise<void>((resolve) => (ended = resolve));
        const answered = this.request(`${service}/unsubscribe_${what}`, { subscription_key: key }, unsubscribeSignal).then(() => undefined);
        try {
          await Promise.race([closedOriginal, answered]);
        } finally {
          this.pending.delete(requestId);
        }
      },
    };
    return { first, subscription };
  }

  /** The status line shown in Roon → Settings → Extensions. */
  setStatus(message: string, isError = false): void {
    if (this.status.message === message && this.status.is_error === isError) return;
    this.status = { message, is_error: isError };
    for (const id of this.statusSubscribers.values()) this.send('CONTINUE', 'Changed', id, this.status);
  }

  /** The Core this extension is paired with; the first one to register it is paired automatically. */
  setPairedCore(coreId: string): void {
    if (this.pairedCoreId === coreId) return;
    this.pairedCoreId = coreId;
    for (const id of this.pairingSubscribers.values()) this.send('CONTINUE', 'Changed', id, { paired_core_id: coreId });
  }

  private onRequest(message: MooMessage): void {
    const { service, method } = splitRequestName(message.name);
    const id = message.requestId;
    const invalid = (error: string) => this.send('COMPLETE', 'InvalidRequest', id, { error });
    const subscriptionKey = (): string | null => {
      const parsed = SubscribeBody.safeParse(message.body);
      if (!parsed.success) invalid(`${method} needs a subscription_key`);
      return parsed.success ? parsed.data.subscription_key : null;
    };

    if (service === PING_SERVICE && method === 'ping') return this.send('COMPLETE', 'Success', id);

    if (service === STATUS_SERVICE) {
      if (method === 'get_status') return this.send('COMPLETE', 'Success', id, this.status);
      if (method === 'subscribe_status') {
        const key = subscriptionKey();
        if (key === null) return;
        this.statusSubscribers.set(key, id);
        return this.send('CONTINUE', 'Subscribed', id, this.status);
      }
      if (method === 'unsubscribe_status') {
        const key = subscriptionKey();
        if (key === null) return;
        this.statusSubscribers.delete(key);
        return this.send('COMPLETE', 'Unsubscribed', id);
      }
    }

    if (service === PAIRING_SERVICE) {
      const pairing = { paired_core_id: this.pairedCoreId ?? undefined };
      if (method === 'get_pairing') return this.send('COMPLETE', 'Success', id, pairing);
      if (method === 'subscribe_pairing') {
        const key = subscriptionKey();
        if (key === null) return;
        this.pairingSubscribers.set(key, id);
        return this.send('CONTINUE', 'Subscribed', id, pairing);
      }
      if (method === 'unsubscribe_pairing') {
        const key = subscriptionKey();
        if (key === null) return;
        this.pairingSubscribers.delete(key);
        return this.send('COMPLETE', 'Unsubscribed', id);
      }
      // The user picked a Core in Roon's settings. We only ever talk to the
      // Core on this link, which is already the paired one; no answer is due.
      if (method === 'pair') return;
    }

    this.options.logger.debug(`Answering InvalidRequest to ${message.name}`);
    invalid(`${message.name} is not provided by this extension`);
  }
}
