import type { Welcome } from './authenticate.js';
import { MSG } from './wamp-message.js';

/** The roles and features this router announces in WELCOME. */
export const ROUTER_ROLES = {
  broker: { features: { publisher_identification: true, pattern_based_subscription: true, subscriber_blackwhite_listing: true, publisher_exclusion: true, session_meta_api: true, subscription_meta_api: true } },
  dealer: { features: { caller_identification: true, pattern_based_registration: true, shared_registration: true, call_canceling: true, call_timeout: true, progressive_call_results: true, session_meta_api: true, registration_meta_api: true } },
};

/** WELCOME for session `id` on `realm`, as the authenticator welcomed it. */
export function welcomeMessage(id: number, realm: string, w: Welcome): unknown[] {
  return [MSG.WELCOME, id, { realm, authid: w.authid, authrole: w.authrole, authmethod: w.authmethod, authprovider: w.authprovider, authextra: w.authextra ?? {}, roles: ROUTER_ROLES }];
}
