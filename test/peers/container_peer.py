"""An independent container peer: Autobahn|Python joins with a container's WAMP_AUTHID/WAMP_TICKET (as the code inside a
berth container does) and tries what a container may and may not do; one JSON line per step.

usage: container_peer.py ROUTER_URL DOMAIN NAME AUTHID TICKET OTHER
"""
import asyncio
import json
import sys

import txaio
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions

URL, D, NAME, AUTHID, TICKET, OTHER = sys.argv[1:7]


def emit(step, **kw):
    print(json.dumps({"step": step, **kw}), flush=True)


async def outcome(coro):
    try:
        await coro
        return {"outcome": "ok"}
    except ApplicationError as e:
        return {"outcome": e.error}


class Peer(ApplicationSession):
    def onConnect(self):
        self.join("realm1", authmethods=["ticket"], authid=AUTHID)

    def onChallenge(self, challenge):
        return TICKET

    async def onJoin(self, details):
        emit("joined", authid=details.authid, authrole=details.authrole)
        try:
            emit("register_own", **await outcome(self.register(lambda who="world": f"hello {who}", f"{D}.{NAME}/hello")))
            emit("register_other", **await outcome(self.register(lambda: "squat", f"{D}.{OTHER}/hello")))
            emit("register_appliance", **await outcome(self.register(lambda: "squat", f"{D}/build")))
            emit("publish_own", **await outcome(self.publish(f"{D}.{NAME}/news", "x", options=PublishOptions(acknowledge=True))))
            emit("publish_other", **await outcome(self.publish(f"{D}.{OTHER}/news", "x", options=PublishOptions(acknowledge=True))))
            emit("call_create", **await outcome(self.call(f"{D}/create", "app", "sneaky")))
        except Exception as e:  # any surprise is reported, then the run ends
            emit("crash", error=repr(e))
        self.leave()

    def onLeave(self, details):
        emit("left", reason=details.reason, message=details.message)
        self.disconnect()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


if __name__ == "__main__":
    # Autobahn logs to stdout by default; stdout carries only this peer's JSON lines.
    txaio.start_logging(out=sys.stderr, level="info")
    ApplicationRunner(URL, "realm1").run(Peer)
