// logind's PrepareForSleep(bool) on the system D-Bus: the headless host's
// suspend/resume signal on Linux. No bus (containers, macOS, Windows): log once
// and rely on the clock-jump detector.
import type { Logger } from '../core/logger';
import type { PowerEvent, PowerTrigger } from '../core/ports';

interface DbusMessage {
  type?: number;
  interface?: string;
  member?: string;
  path?: string;
  body?: unknown[];
}

interface DbusBus {
  connection: { on(event: string, fn: (...args: unknown[]) => void): void; end?: () => void; stream?: { destroy?: () => void } };
  addMatch(rule: string, cb: (err: unknown) => void): void;
}

export class LogindTrigger implements PowerTrigger {
  readonly name = 'logind' as const;
  private bus: DbusBus | null = null;
  private disposed = false;

  constructor(
    private readonly logger: Logger,
    private readonly connect: () => Promise<DbusBus> = defaultConnect,
  ) {}

  start(emit: (event: PowerEvent) => void): void {
    if (process.platform !== 'linux') return;
    const log = this.logger.scope('logind');
    this.connect()
      .then((bus) => {
        if (this.disposed) return closeBus(bus);
        this.bus = bus;
        bus.connection.on('error', (error) => log.warn(`system bus error; relying on the clock-jump detector (${String(error)})`));
        bus.connection.on('message', (message) => {
          const m = message as DbusMessage;
          if (m.interface !== 'org.freedesktop.login1.Manager' || m.member !== 'PrepareForSleep') return;
          const sleeping = m.body?.[0];
          if (typeof sleeping !== 'boolean') return log.warn('ignored a PrepareForSleep signal without a boolean argument');
          emit(sleeping ? { type: 'suspend', source: 'logind' } : { type: 'resume', source: 'logind' });
        });
        bus.addMatch("type='signal',sender='org.freedesktop.login1',interface='org.freedesktop.login1.Manager',member='PrepareForSleep'", (err) => {
          if (err) log.warn(`could not subscribe to PrepareForSleep; relying on the clock-jump detector (${String(err)})`);
          else log.info('listening for PrepareForSleep on the system bus');
        });
      })
      .catch((error: unknown) => log.info(`no system D-Bus (${(error as Error)?.message ?? String(error)}); sleep is detected by the clock-jump detector`));
  }

  dispose(): void {
    this.disposed = true;
    if (this.bus) closeBus(this.bus);
    this.bus = null;
  }
}

function closeBus(bus: DbusBus): void {
  try {
    bus.connection.end?.();
    bus.connection.stream?.destroy?.();
  } catch {
    /* already closed */
  }
}

async function defaultConnect(): Promise<DbusBus> {
  const address = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/var/run/dbus/system_bus_socket';
  const socketPath = /unix:path=([^,]+)/.exec(address)?.[1];
  const fs = await import('node:fs');
  if (socketPath && !fs.existsSync(socketPath)) throw new Error(`${socketPath} does not exist`);
  const dbus = (await import('@homebridge/dbus-native')) as unknown as { systemBus(): DbusBus; default?: { systemBus(): DbusBus } };
  const systemBus = dbus.systemBus ?? dbus.default?.systemBus;
  const bus = systemBus!();
  // The library connects lazily; wait for the connection or its error.
  await new Promise<void>((resolve, reject) => {
    bus.connection.on('connect', () => resolve());
    bus.connection.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
  });
  return bus;
}
