import { z } from 'zod';
import { hotMessage } from './hot-message.js';

/** WAMP v2 message type codes. */
export const MSG = {
  HELLO: 1, WELCOME: 2, ABORT: 3, CHALLENGE: 4, AUTHENTICATE: 5, GOODBYE: 6, ERROR: 8,
  PUBLISH: 16, PUBLISHED: 17, SUBSCRIBE: 32, SUBSCRIBED: 33, UNSUBSCRIBE: 34, UNSUBSCRIBED: 35, EVENT: 36,
  CALL: 48, CANCEL: 49, RESULT: 50, REGISTER: 64, REGISTERED: 65, UNREGISTER: 66, UNREGISTERED: 67,
  INVOCATION: 68, INTERRUPT: 69, YIELD: 70,
} as const;

const id = z.number().int().min(0).max(2 ** 53);
const uri = z.string();
const dict = z.record(z.string(), z.unknown());
const args = z.array(z.unknown()).optional();
const kwargs = dict.optional();
const ids = z.array(id).optional();
const names = z.union([z.string(), z.array(z.string())]).optional();

const helloDetails = z.looseObject({
  roles: dict,
  authmethods: z.array(z.string()).optional(),
  authid: z.string().optional(),
  authextra: dict.optional(),
});
const callOptions = z.looseObject({ receive_progress: z.boolean().optional(), timeout: z.number().int().min(0).optional() });
const registerOptions = z.looseObject({
  match: z.enum(['exact', 'prefix', 'wildcard']).optional(),
  invoke: z.enum(['single', 'first', 'last', 'roundrobin', 'random']).optional(),
  force_reregister: z.boolean().optional(),
});
const subscribeOptions = z.looseObject({ match: z.enum(['exact', 'prefix', 'wildcard']).optional() });
const publishOptions = z.looseObject({
  acknowledge: z.boolean().optional(),
  exclude_me: z.boolean().optional(),
  eligible: ids,
  exclude: ids,
  eligible_authid: names,
  eligible_authrole: names,
  exclude_authid: names,
  exclude_authrole: names,
});
const cancelOptions = z.looseObject({ mode: z.enum(['skip', 'kill', 'killnowait']).optional() });
const yieldOptions = z.looseObject({ progress: z.boolean().optional() });

const schemas = {
  [MSG.HELLO]: z.tuple([z.literal(MSG.HELLO), uri, helloDetails]).transform(([, realm, details]) => ({ type: 'hello' as const, realm, details })),
  [MSG.AUTHENTICATE]: z.tuple([z.literal(MSG.AUTHENTICATE), z.string(), dict]).transform(([, signature, extra]) => ({ type: 'authenticate' as const, signature, extra })),
  [MSG.GOODBYE]: z.tuple([z.literal(MSG.GOODBYE), dict, uri]).transform(([, details, reason]) => ({ type: 'goodbye' as const, details, reason })),
  [MSG.ABORT]: z.tuple([z.literal(MSG.ABORT), dict, uri]).transform(([, details, reason]) => ({ type: 'abort' as const, details, reason })),
  [MSG.ERROR]: z
    .tuple([z.literal(MSG.ERROR), z.literal(MSG.INVOCATION), id, dict, uri, args, kwargs])
    .transform(([, , request, details, error, a, k]) => ({ type: 'error' as const, request, details, error, args: a, kwargs: k })),
  [MSG.PUBLISH]: z
    .tuple([z.literal(MSG.PUBLISH), id, publishOptions, uri, args, kwargs])
    .transform(([, request, options, topic, a, k]) => ({ type: 'publish' as const, request, options, topic, args: a, kwargs: k })),
  [MSG.SUBSCRIBE]: z
    .tuple([z.literal(MSG.SUBSCRIBE), id, subscribeOptions, uri])
    .transform(([, request, options, topic]) => ({ type: 'subscribe' as const, request, options, topic })),
  [MSG.UNSUBSCRIBE]: z
    .tuple([z.literal(MSG.UNSUBSCRIBE), id, id])
    .transform(([, request, subscription]) => ({ type: 'unsubscribe' as const, request, subscription })),
  [MSG.CALL]: z
    .tuple([z.literal(MSG.CALL), id, callOptions, uri, args, kwargs])
    .transform(([, request, options, procedure, a, k]) => ({ type: 'call' as const, request, options, procedure, args: a, kwargs: k })),
  [MSG.CANCEL]: z.tuple([z.literal(MSG.CANCEL), id, cancelOptions]).transform(([, request, options]) => ({ type: 'cancel' as const, request, options })),
  [MSG.REGISTER]: z
    .tuple([z.literal(MSG.REGISTER), id, registerOptions, uri])
    .transform(([, request, options, procedure]) => ({ type: 'register' as const, request, options, procedure })),
  [MSG.UNREGISTER]: z
    .tuple([z.literal(MSG.UNREGISTER), id, id])
    .transform(([, request, registration]) => ({ type: 'unregister' as const, request, registration })),
  [MSG.YIELD]: z
    .tuple([z.literal(MSG.YIELD), id, yieldOptions, args, kwargs])
    .transform(([, request, options, a, k]) => ({ type: 'yield' as const, request, options, args: a, kwargs: k })),
};

type Schemas = typeof schemas;
/** A message a client may send to a router, validated. */
export type ClientMessage = z.output<Schemas[keyof Schemas]>;
export type ClientMessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/** Decode one `wamp.2.json` frame. Anything that is not a well-formed client-to-router message is a protocol violation. */
export function parseMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  return parseValue(raw);
}

/** Validate one decoded frame (of any serializer) as a client-to-router message. */
export function parseValue(raw: unknown): ParseResult {
  if (!Array.isArray(raw) || raw.length === 0) return { ok: false, reason: 'a WAMP message must be a non-empty array' };
  const code = raw[0] as unknown;
  const schema = schemaOf(code);
  if (!schema) return { ok: false, reason: `unexpected message type ${JSON.stringify(code)}` };
  // msgpack/CBOR bytes are never a field of a message (zod would take them for an options object).
  if (raw.some((v) => v instanceof Uint8Array)) return { ok: false, reason: `invalid message ${String(code)}: bytes where WAMP wants an ID, URI, dict or list` };
  const hot = hotMessage(raw);
  if (hot) return { ok: true, message: hot };
  return parseBySchema(schema, raw);
}

/** The zod schema's judgement alone: hot-message.ts must agree with it wherever it accepts (a unit test holds it to that). */
export function parseBySchema(schema: z.ZodType<ClientMessage> | undefined, raw: unknown[]): ParseResult {
  const code = String(raw[0]);
  if (!schema) return { ok: false, reason: `unexpected message type ${code}` };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: `invalid message ${code}: ${parsed.error.issues[0]?.message ?? 'malformed'}` };
  return { ok: true, message: parsed.data };
}

/** The schema of a message type code, if it is one a client may send. */
export function schemaOf(code: unknown): z.ZodType<ClientMessage> | undefined {
  return typeof code === 'number' ? (schemas as Record<number, z.ZodType<ClientMessage> | undefined>)[code] : undefined;
}

/** Append args/kwargs the way WAMP wants them: omitted when empty, args present (possibly []) when kwargs are. */
export function withPayload(head: unknown[], a: readonly unknown[] | undefined, k: Record<string, unknown> | undefined): unknown[] {
  if (k !== undefined && Object.keys(k).length > 0) head.push(a ?? [], k);
  else if (a !== undefined && a.length > 0) head.push(a);
  return head;
}
