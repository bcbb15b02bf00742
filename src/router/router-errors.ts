/** Autobahn's URI for a message larger than the receiving transport accepts. */
export const PAYLOAD_SIZE_EXCEEDED = 'wamp.error.payload_size_exceeded';
/**
 * A per-session cap of `limits` (registrations, subscriptions, pending calls) is reached; kwargs `{limit, max}` name it.
 * See docs/router.md, "Limits".
 */
export const LIMIT_EXCEEDED = 'wamp.error.limit_exceeded';
