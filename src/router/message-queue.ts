import type { ClientMessage } from './wamp-message.js';

// Messages a session may queue behind a slow (asynchronous) authenticator or authorizer before it is cut off.
const MAX_BACKLOG = 10_000;

/**
 * A session's messages, handled strictly in arrival order: when a handler has to wait (an asynchronous authenticator or
 * authorizer), later messages queue behind it, bounded in count and in bytes (like the outbound queue).
 */
export class MessageQueue {
  private busy = false;
  private readonly backlog: { readonly message: ClientMessage; readonly bytes: number }[] = [];
  private backlogBytes = 0;

  constructor(
    private readonly o: {
      /** Handle one message; a promise holds back the messages after it until it settles. */
      readonly handle: (m: ClientMessage) => void | Promise<void>;
      /** A handler threw or rejected. */
      readonly crash: (err: unknown) => void;
      /** Whether queued messages are still to be handled (the session is not closed). */
      readonly open: () => boolean;
      readonly maxBytes: number;
    },
  ) {}

  /** The bytes of the messages queued now. */
  get bytes(): number {
    return this.backlogBytes;
  }

  /** Handle the message now, or queue it behind the one being handled; false (nothing queued) when the queue is full. */
  push(message: ClientMessage, bytes: number): boolean {
    if (!this.busy) {
      this.run(message);
      return true;
    }
    if (this.backlog.length >= MAX_BACKLOG || this.backlogBytes + bytes > this.o.maxBytes) return false;
    this.backlog.push({ message, bytes });
    this.backlogBytes += bytes;
    return true;
  }

  /** Drop every queued message. */
  clear(): void {
    this.backlog.length = 0;
    this.backlogBytes = 0;
  }

  private run(message: ClientMessage): void {
    let result: void | Promise<void>;
    try {
      result = this.o.handle(message);
    } catch (err) {
      return this.o.crash(err);
    }
    if (!result) return;
    this.busy = true;
    result.then(
      () => {
        this.busy = false;
        while (!this.busy && this.backlog.length > 0 && this.o.open()) {
          const next = this.backlog.shift()!;
          this.backlogBytes -= next.bytes;
          this.run(next.message);
        }
      },
      (err: unknown) => this.o.crash(err),
    );
  }
}
