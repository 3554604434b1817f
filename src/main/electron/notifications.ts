// Desktop notifications: the decision is pure (core/notifications); this
// side reads the setting, counts caught-up plays and shows the balloon.
import type { ApiHandlers } from '../../shared/api';
import type { StatusSnapshot } from '../../shared/status';
import type { Disposable } from '../core/disposable';
import type { Logger } from '../core/logger';
import { caughtUpMessage, decideNotifications, INITIAL_NOTIFICATION_MEMORY, type NotificationIntent, type NotificationMemory } from '../core/notifications';

export interface NotifierOptions {
  /** Electron's Notification.isSupported(). */
  isSupported(): boolean;
  /** Shows one notification; a click on it calls onClick. */
  show(message: { title: string; body: string }, onClick: () => void): void;
  handlers: Pick<ApiHandlers, 'getSettings' | 'getPlays'>;
  onClick(): void;
  logger: Logger;
}

/** Electron's Notification class, as the notifier's two functions. */
export function electronNotifications(N: {
  isSupported(): boolean;
  new (options: { title: string; body: string; silent: boolean }): { on(event: 'click', listener: () => void): unknown; show(): void };
}): Pick<NotifierOptions, 'isSupported' | 'show'> {
  return {
    isSupported: () => N.isSupported(),
    show: (message, onClick) => {
      const notification = new N({ ...message, silent: true });
      notification.on('click', onClick);
      notification.show();
    },
  };
}

/** Pages through at most this many plays when counting a catch-up (a week asleep with the music on). */
const MAX_COUNTED = 2_000;

export class DesktopNotifier implements Disposable {
  private prev: StatusSnapshot | null = null;
  private memory: NotificationMemory = INITIAL_NOTIFICATION_MEMORY;
  private disposed = false;
  /** Resolves when the notifications for the snapshots seen so far are out (tests wait on it). */
  idle: Promise<void> = Promise.resolve();

  constructor(private readonly options: NotifierOptions) {}

  update(snapshot: StatusSnapshot): void {
    if (this.disposed) return;
    const { intents, memory } = decideNotifications(this.prev, snapshot, this.memory);
    this.prev = snapshot;
    this.memory = memory;
    if (intents.length === 0) return;
    this.idle = this.idle.then(() => this.deliver(intents)).catch((error: unknown) => this.options.logger.warn('a notification could not be shown', error));
  }

  dispose(): void {
    this.disposed = true;
  }

  private async deliver(intents: NotificationIntent[]): Promise<void> {
    if (!this.options.isSupported()) return;
    const settings = await this.options.handlers.getSettings({});
    if (!settings.notifications.enabled) return;
    for (const intent of intents) {
      const message = intent.kind === 'caught-up' ? caughtUpMessage(await this.countPlays(intent.sleptAt, intent.wokeAt)) : intent;
      if (message && !this.disposed) this.options.show({ title: message.title, body: message.body }, () => this.options.onClick());
    }
  }

  /** Plays that started while the machine slept; the list is newest first. */
  private async countPlays(from: string, to: string): Promise<number> {
    const start = Date.parse(from);
    const end = Date.parse(to);
    let count = 0;
    let before: string | undefined;
    for (let seen = 0; seen < MAX_COUNTED; ) {
      const { plays } = await this.options.handlers.getPlays(before ? { limit: 500, before } : { limit: 500 });
      for (const play of plays) {
        const t = Date.parse(play.startedAt);
        if (t >= start && t <= end) count++;
        if (t < start) return count;
      }
      if (plays.length < 500) return count;
      seen += plays.length;
      before = plays[plays.length - 1]!.startedAt;
    }
    return count;
  }
}
