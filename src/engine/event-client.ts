export interface EngineEvent {
  readonly id: string;
  readonly action: string;
  /** When the engine says it happened (ISO 8601), if it says. */
  readonly time?: string;
}

export interface EventSubscription {
  close(): void;
}

/** The event stream. */
export interface EventClient {
  /**
   * Container events of this domain. `onEnd` fires once when the stream ends or fails (engine gone);
   * the subscriber then resubscribes after the engine is back. A line that is not a container event is skipped and
   * reported to `onMalformed` (its first 200 characters).
   */
  watchContainers(
    domain: string,
    onEvent: (e: EngineEvent) => void,
    onEnd: (err?: Error) => void,
    onMalformed?: (line: string) => void,
  ): Promise<EventSubscription>;
}
