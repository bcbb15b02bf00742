"""An independent caller: Autobahn|Python drives the appliance and prints one JSON line per step.

usage: appliance_client.py ROUTER_URL DOMAIN IMAGE NAME
"""
import asyncio
import json
import sys

import txaio
from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError

URL, D, IMAGE, NAME = sys.argv[1:5]


def emit(step, **kw):
    print(json.dumps({"step": step, **kw}), flush=True)


class Client(ApplicationSession):
    async def onJoin(self, details):
        try:
            await self.steps()
        except Exception as e:  # any surprise is reported, then the run ends
            emit("crash", error=repr(e))
        self.leave()

    async def call_or_error(self, proc, *args, **kwargs):
        try:
            return {"result": await self.call(proc, *args, **kwargs)}
        except ApplicationError as e:
            return {"error": e.error, "args": list(e.args), "kwargs": e.kwargs}

    async def steps(self):
        emit("images", **await self.call_or_error(f"{D}/images"))
        emit("create", **await self.call_or_error(f"{D}/create", IMAGE, NAME, environment={"FROM_PYTHON": "yes"}))
        emit("create_again", **await self.call_or_error(f"{D}/create", IMAGE, NAME))
        emit("create_bad", **await self.call_or_error(f"{D}/create", IMAGE, "bad name!"))
        emit("list", **await self.call_or_error(f"{D}/list"))
        emit("inspect", **await self.call_or_error(f"{D}/{NAME}/inspect"))
        emit("stop", **await self.call_or_error(f"{D}/{NAME}/stop"))
        emit("start", **await self.call_or_error(f"{D}/{NAME}/start"))
        for _ in range(50):
            logs = await self.call_or_error(f"{D}/{NAME}/logs", tail=10)
            if "hello" in logs.get("result", ""):
                break
            await asyncio.sleep(0.2)
        emit("logs", **logs)
        emit("remove", **await self.call_or_error(f"{D}/remove", NAME))
        emit("start_removed", **await self.call_or_error(f"{D}/{NAME}/start"))

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


if __name__ == "__main__":
    # Autobahn logs to stdout by default; stdout carries only this peer's JSON lines.
    txaio.start_logging(out=sys.stderr, level="info")
    ApplicationRunner(URL, "realm1").run(Client)
