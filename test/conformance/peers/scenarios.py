"""Autobahn|Python peers for the conformance suite.

Usage: python scenarios.py SCENARIO URL REALM [URL REALM ...]
Runs one scenario against each router in turn (one interpreter for all: its start-up is most of a scenario's time) and
prints each outcome as one JSON line on stdout, in the order given. The vitest side compares the lines of the embedded
router, Crossbar.io and nexus. Every wait is bounded.
"""

import asyncio
import json
import sys
from urllib.parse import urlparse

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp import auth
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, ComponentConfig, PublishOptions, RegisterOptions, SubscribeOptions

TICKET = "berth-test-ticket"
STEP = 5.0  # seconds: no single wait may take longer


class Peer(ApplicationSession):
    def __init__(self, config, authmethods, authid, secret):
        super().__init__(config)
        self._authmethods = authmethods
        self._authid = authid
        self._secret = secret
        self.joined = asyncio.get_event_loop().create_future()
        self.left = asyncio.get_event_loop().create_future()

    def onConnect(self):
        self.join(self.config.realm, authmethods=self._authmethods, authid=self._authid)

    def onChallenge(self, challenge):
        if challenge.method == "ticket":
            return self._secret
        key = self._secret
        if "salt" in challenge.extra:
            key = auth.derive_key(self._secret, challenge.extra["salt"], challenge.extra["iterations"], challenge.extra["keylen"])
        return auth.compute_wcs(key, challenge.extra["challenge"])

    def onJoin(self, details):
        if not self.joined.done():
            self.joined.set_result({"authid": details.authid, "authrole": details.authrole, "authmethod": details.authmethod})

    def onLeave(self, details):
        if not self.joined.done():
            self.joined.set_result({"refused": details.reason})
        if not self.left.done():
            self.left.set_result(details.reason)
        self.disconnect()


async def join(url, realm, authmethods=None, authid=None, secret=None):
    """Connect and join; returns (peer, welcome-or-refusal)."""
    holder = {}

    def make():
        holder["peer"] = Peer(ComponentConfig(realm, {}), authmethods or ["anonymous"], authid, secret)
        return holder["peer"]

    u = urlparse(url)
    factory = WampWebSocketClientFactory(make, url=url, serializers=None)
    loop = asyncio.get_event_loop()
    await asyncio.wait_for(loop.create_connection(factory, u.hostname, u.port), STEP)
    for _ in range(100):
        if "peer" in holder:
            break
        await asyncio.sleep(0.01)
    peer = holder["peer"]
    result = await asyncio.wait_for(peer.joined, STEP)
    return peer, result


async def session(url, realm, **kw):
    peer, result = await join(url, realm, **kw)
    if "refused" in result:
        raise RuntimeError("join refused: %s" % result)
    return peer


async def leave(peer):
    if peer.is_attached():
        peer.leave()
        try:
            await asyncio.wait_for(peer.left, STEP)
        except asyncio.TimeoutError:
            pass


async def settle(aw):
    try:
        return {"ok": await asyncio.wait_for(aw, STEP)}
    except ApplicationError as e:
        return {"error": e.error, "args": list(e.args), "kwargs": e.kwargs or {}}


async def rpc(url, realm):
    callee = await session(url, realm)
    caller = await session(url, realm)

    async def add(a, b):
        return a + b

    async def countdown(n, details=None):
        for i in range(n, 0, -1):
            details.progress(i)
        return "liftoff"

    def fail():
        raise ApplicationError("com.example.error.custom", "first", 2, {"nested": [True, None]}, reason="because", code=42)

    def whoami(details=None):
        return [details.caller == caller._session_id, details.caller_authrole, details.procedure]

    await callee.register(add, "com.example.py.add")
    await callee.register(countdown, "com.example.py.countdown", RegisterOptions(details_arg="details"))
    await callee.register(fail, "com.example.py.fail")
    await callee.register(whoami, "com.example.py.who.", RegisterOptions(match="prefix", details_arg="details"))
    progress = []
    out = {
        "sum": await settle(caller.call("com.example.py.add", 2, 3)),
        "final": await settle(caller.call("com.example.py.countdown", 3, options=CallOptions(on_progress=progress.append))),
        "fail": await settle(caller.call("com.example.py.fail")),
        "who": await settle(caller.call("com.example.py.who.am.i")),
        "dup": await settle(caller.register(add, "com.example.py.add")),
        "missing": (await settle(caller.call("com.example.py.none"))).get("error"),
    }
    out["progress"] = progress
    await leave(caller)
    await leave(callee)
    return out


async def cancel(url, realm):
    callee = await session(url, realm)
    caller = await session(url, realm)
    seen = {"started": asyncio.Event(), "cancelled": False}

    async def slow():
        seen["started"].set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen["cancelled"] = True
            raise
        return "too late"

    await callee.register(slow, "com.example.py.slow")
    await callee.register(lambda: "fine", "com.example.py.fine")
    call = asyncio.ensure_future(caller.call("com.example.py.slow"))
    await asyncio.wait_for(seen["started"].wait(), STEP)
    call.cancel()
    try:
        await asyncio.wait_for(call, STEP)
        caller_saw = "result"
    except asyncio.CancelledError:
        caller_saw = "cancelled"
    except ApplicationError as e:
        caller_saw = e.error
    await asyncio.sleep(0.3)
    out = {"caller": caller_saw, "callee_interrupted": seen["cancelled"], "after": await settle(caller.call("com.example.py.fine"))}
    await leave(caller)
    await leave(callee)
    return out


async def callee_lost(url, realm):
    callee = await session(url, realm)
    caller = await session(url, realm)
    started = asyncio.Event()

    async def hang():
        started.set()
        await asyncio.sleep(30)

    await callee.register(hang, "com.example.py.hang")
    calls = [asyncio.ensure_future(settle(caller.call("com.example.py.hang"))) for _ in range(3)]
    await asyncio.wait_for(started.wait(), STEP)
    await asyncio.sleep(0.2)
    t0 = asyncio.get_event_loop().time()
    callee._transport.close()  # no GOODBYE: the callee just goes away
    results = await asyncio.gather(*calls)
    prompt = asyncio.get_event_loop().time() - t0 < 2.0
    await leave(caller)
    return {"results": results, "prompt": prompt}


async def pubsub(url, realm):
    pub = await session(url, realm)
    sub = await session(url, realm)
    events = []

    def on_event(*args, details=None, **kwargs):
        events.append({
            "args": list(args),
            "kwargs": kwargs,
            "topic": details.topic,
            "publisher": "publisher" if details.publisher == pub._session_id else details.publisher,
        })

    await sub.subscribe(on_event, "com.example.py.", SubscribeOptions(match="prefix", details_arg="details"))
    own = []
    await pub.subscribe(lambda *a, **k: own.append(a), "com.example.py.news")
    ack = await pub.publish("com.example.py.news", 1, "two", options=PublishOptions(acknowledge=True), three=3)
    await pub.publish("com.example.py.other", options=PublishOptions(acknowledge=True, exclude_me=False))
    await asyncio.sleep(0.3)
    out = {"events": events, "acknowledged": ack.id > 0, "own": len(own)}
    await leave(pub)
    await leave(sub)
    return out


async def authentication(url, realm):
    out = {}
    for name, kw in [
        ("ticket", dict(authmethods=["ticket"], authid="berth-test", secret=TICKET)),
        ("ticket_wrong", dict(authmethods=["ticket"], authid="berth-test", secret="nope")),
        ("cra", dict(authmethods=["wampcra"], authid="alice", secret="alice-secret")),
        ("cra_salted", dict(authmethods=["wampcra"], authid="bob", secret="bob-secret")),
        ("cra_wrong", dict(authmethods=["wampcra"], authid="bob", secret="alice-secret")),
    ]:
        peer, result = await join(url, realm, **kw)
        out[name] = result
        await leave(peer)
    return out


SCENARIOS = {"rpc": rpc, "cancel": cancel, "callee_lost": callee_lost, "pubsub": pubsub, "auth": authentication}


def main():
    name, routers = sys.argv[1], sys.argv[2:]
    loop = asyncio.get_event_loop()
    for url, realm in zip(routers[0::2], routers[1::2]):
        outcome = loop.run_until_complete(asyncio.wait_for(SCENARIOS[name](url, realm), 30))
        print(json.dumps(outcome, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
