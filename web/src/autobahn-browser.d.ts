/** autobahn-browser (the browser build of autobahn-js 22.11.1) ships no types; the little the dashboard uses. */
declare module 'autobahn-browser' {
  export interface Session {
    readonly id: number;
    readonly isOpen: boolean;
    call<T = unknown>(procedure: string, args?: unknown[], kwargs?: Record<string, unknown>, options?: Record<string, unknown>): Promise<T>;
    subscribe(topic: string, handler: (args: unknown[], kwargs: Record<string, unknown>) => void, options?: Record<string, unknown>): Promise<Subscription>;
    unsubscribe(subscription: Subscription): Promise<unknown>;
  }
  export interface Subscription {
    readonly id: number;
  }
  export interface CloseDetails {
    reason?: string;
    message?: string;
    will_retry?: boolean;
  }
  export interface ConnectionOptions {
    url: string;
    realm: string;
    authmethods?: string[];
    authid?: string;
    onchallenge?: (session: Session, method: string, extra: Record<string, unknown>) => string;
    max_retries?: number;
    initial_retry_delay?: number;
    max_retry_delay?: number;
    retry_delay_growth?: number;
  }
  export class Connection {
    constructor(options: ConnectionOptions);
    onopen: (session: Session, details: Record<string, unknown>) => void;
    onclose: (reason: string, details: CloseDetails) => boolean | void;
    open(): void;
    close(): void;
  }
  export const auth_cra: {
    sign(key: string, challenge: string): string;
    derive_key(secret: string, salt: string, iterations?: number, keylen?: number): string;
  };
  const autobahn: { Connection: typeof Connection; auth_cra: typeof auth_cra };
  export default autobahn;
}
