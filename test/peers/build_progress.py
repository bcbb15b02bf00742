"""An Autobahn|Python caller of D/build that asks for progressive results; prints one JSON line with what it got.

usage: build_progress.py ROUTER_URL DOMAIN NAME GIT_URL
"""
import asyncio
import json
import sys

import txaio
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions

URL, D, NAME, GIT_URL = sys.argv[1:5]


# No CallOptions(timeout=…): the suite needs no deadline of the router here (the embedded router and Crossbar.io read it in seconds, nexus in milliseconds).
class Client(ApplicationSession):
    async def onJoin(self, details):
        progress = []
        out = {"progress": progress}
        try:
            out["result"] = await self.call(f"{D}/build", NAME, GIT_URL, options=CallOptions(on_progress=progress.append))
        except ApplicationError as e:
            out["error"] = e.error
        except Exception as e:  # any surprise is reported, then the run ends
            out["crash"] = repr(e)
        print(json.dumps(out), flush=True)
        self.leave()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


if __name__ == "__main__":
    # Autobahn logs to stdout by default; stdout carries only this peer's JSON lines.
    txaio.start_logging(out=sys.stderr, level="info")
    ApplicationRunner(URL, "realm1").run(Client)
