import WebSocket from 'ws';
import { Crossbar } from '/work/main/test/helpers/crossbar.ts';
const cb = await Crossbar.start();
const url = cb.url;
async function run(name: string, frames: (string|Buffer)[], joinFirst = true) {
  const ws = new WebSocket(url, ['wamp.2.json']);
  const got: unknown[] = [];
  await new Promise<void>((res) => {
    ws.on('open', () => {
      if (joinFirst) ws.send(JSON.stringify([1, 'realm1', { roles: { caller: {features:{call_canceling:true}}, callee: {features:{call_canceling:true, progressive_call_results:true}}, publisher:{}, subscriber:{} } }]));
      setTimeout(() => { for (const f of frames) ws.send(f); }, 300);
    });
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    ws.on('close', (code, reason) => { got.push({ close: code, reason: reason.toString() }); res(); });
    ws.on('error', (e) => got.push({ error: String(e) }));
    setTimeout(() => { got.push('timeout-still-open'); ws.terminate(); res(); }, 2500);
  });
  console.log(name, JSON.stringify(got));
}
await run('garbage', ['not json']);
await run('unknown-type', ['[999]']);
await run('binary', [Buffer.from('[1]')]);
await run('bad-hello', ['[1, 5, {}]'], false);
await run('call-before-hello', ['[48, 1, {}, "a.b"]'], false);
await run('yield-unknown', ['[70, 12345, {}]']);
await run('error-unknown', ['[8, 68, 12345, {}, "x.y"]']);
await run('call-bad-uri', ['[48, 1, {}, "a..b"]']);
await run('call-nosuch', ['[48, 1, {}, "a.b"]', '[48, 2, {}, "wamp.session.count"]', '[48, 3, {}, "wamp.registration.list"]','[48, 4, {}, "wamp.registration.lookup", ["x"]]']);
await run('hello-twice', ['[1, "realm1", {"roles":{"caller":{}}}]']);
await run('oversize', ['[48, 1, {}, "a.b", ["' + 'x'.repeat(2_000_000) + '"]]']);
await run('hello-nosuchrealm', ['[1, "nope.realm", {"roles":{"caller":{}}}]'], false);
await run('hello-badmethod', ['[1, "realm1", {"roles":{"caller":{}}, "authmethods":["foo"]}]'], false);
await run('hello-unconfigured', ['[1, "realm1", {"roles":{"caller":{}}, "authmethods":["wampcra"]}]'], false);
await run('goodbye', ['[6, {}, "wamp.close.close_realm"]']);
await run('register-wamp', ['[64, 1, {}, "wamp.foo"]', '[64, 2, {"match":"prefix"}, "a."]', '[64, 3, {"match":"wildcard"}, "a..c"]', '[66, 4, 999]', '[34, 5, 999]', '[16, 6, {"acknowledge":true}, "wamp.x"]', '[16, 7, {"acknowledge":true}, "a..b"]', '[32, 8, {}, "a..b"]']);
await cb[Symbol.asyncDispose]();
