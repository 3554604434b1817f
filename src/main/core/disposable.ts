// One owner per timer, listener and socket (after VS Code's lifecycle kit).
// Every live disposable is counted so tests can assert that nothing leaked.

export interface Disposable {
  dispose(): void;
}

let live = 0;

/** How many disposables made by toDisposable()/DisposableStore are still undisposed. */
export function liveDisposables(): number {
  return live;
}

export function toDisposable(fn: () => void): Disposable {
  live++;
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      live--;
      fn();
    },
  };
}

export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.items.size;
  }

  /** Takes ownership; adding to a disposed store disposes at once. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      item.dispose();
      return item;
    }
    this.items.add(item);
    return item;
  }

  /** Disposes one item early and forgets it. */
  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  /** Disposes everything, keeps the store usable. */
  clear(): void {
    const errors: unknown[] = [];
    for (const item of [...this.items].reverse()) {
      try {
        item.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    this.items.clear();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Listens on a Node-style emitter and returns the removal as a disposable. */
export function listen<A extends unknown[]>(
  emitter: { on(event: string, fn: (...args: A) => void): unknown; off(event: string, fn: (...args: A) => void): unknown },
  event: string,
  fn: (...args: A) => void,
): Disposable {
  emitter.on(event, fn);
  return toDisposable(() => emitter.off(event, fn));
}

/** A typed event with listeners that return their own unsubscribe. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  get listenerCount(): number {
    return this.listeners.size;
  }

  on(fn: (value: T) => void): Disposable {
    this.listeners.add(fn);
    return toDisposable(() => this.listeners.delete(fn));
  }

  fire(value: T): void {
    for (const fn of [...this.listeners]) fn(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
