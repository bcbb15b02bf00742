"""A berth container backend: joins the router at WS_URL, realm WAMP_REALM, as WAMP_AUTHID with its WAMP_TICKET, and
registers DOMAIN/hello (a container may register and publish only under its own domain).

Debian's Autobahn|Python 22.7 cannot use autobahn.asyncio.component.run on Python 3.11, so this uses ApplicationRunner
and reconnects itself.
"""
import asyncio
import os
import signal
import socket
import sys
import time

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import RegisterOptions

WS_URL = os.environ["WS_URL"]
DOMAIN = os.environ["DOMAIN"]
REALM = os.environ["WAMP_REALM"]
AUTHID = os.environ["WAMP_AUTHID"]
TICKET = os.environ["WAMP_TICKET"]


# How long register_shared keeps trying while another container still holds a procedure with another invocation policy.
REGISTER_TRIES = 240
REGISTER_PAUSE = 0.25
# Written once the procedures are registered: a Run.yaml Healthcheck can test for it ([test, -e, /tmp/registered]).
READY_FILE = "/tmp/registered"
# The invocation policy (docs/apps.md, "Health"; docs/api.md, "Replicas"): "roundrobin" unless the environment says
# otherwise (the update benchmark compares "last" and "single").
INVOKE = os.environ.get("REGISTER_INVOKE", "roundrobin")

# What a router answers while another container holds the procedure: with "single", or (both Crossbar.io and berth's
# embedded router) with another shared policy than the one asked for.
HELD = ("wamp.error.procedure_already_exists", "wamp.error.procedure_exists_with_different_invocation_policy")


async def register_shared(session, fn, uri):
    """Register `uri` as a shared registration, so that every container joined as this one can hold it: the replicas of
    a scaled container (D/<name>/scale), and a replacement beside the container it replaces (berth's updateImage and
    rollback start the new container while the old one still runs). With invoke="roundrobin" the router keeps every
    registration and spreads the calls over them, so a replica (or a replacement) takes calls as soon as it registers
    and one that leaves does so without a gap. A router refuses a registration with another policy than the one held
    (an old container built before this code, registered with "single" or "last"): then retry until the old one is gone."""
    for attempt in range(REGISTER_TRIES):
        try:
            return await session.register(fn, uri, options=RegisterOptions(invoke=INVOKE))
        except ApplicationError as e:
            if e.error not in HELD or attempt == REGISTER_TRIES - 1:
                raise
            # Ready to take over: the old container goes once this one is healthy, and the next try then succeeds
            # (a health check on the marker would otherwise wait for a registration that waits for it).
            mark_ready()
            await asyncio.sleep(REGISTER_PAUSE)


# ApplicationRunner answers SIGTERM by stopping its loop, after which main() would reconnect: the container would only
# stop when the engine kills it (docker stop's timeout, 10 s, e.g. the old container of every updateImage). So each
# session's loop gets a SIGTERM handler of ours that also ends main().
stopping = False


def terminate():
    global stopping
    stopping = True
    asyncio.get_event_loop().stop()


def mark_ready():
    try:
        with open(READY_FILE, "w") as f:
            f.write("ok\n")
    except OSError:
        pass  # no writable /tmp: the health check (if any) says so


class Backend(ApplicationSession):
    def onConnect(self):
        asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, terminate)
        self.join(REALM, authmethods=["ticket"], authid=AUTHID)

    def onChallenge(self, challenge):
        if challenge.method != "ticket":
            raise ValueError(f"unexpected authentication method {challenge.method}")
        return TICKET

    async def onJoin(self, details):
        asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, terminate)  # again: the runner may have set its own
        def hello(name="world"):
            return f"hello {name} from {DOMAIN}"

        await register_shared(self, hello, f"{DOMAIN}/hello")
        # Which container answers (its engine host name, the short container ID): tests tell a replacement apart.
        await register_shared(self, socket.gethostname, f"{DOMAIN}/whoami")
        mark_ready()
        print(f"registered {DOMAIN}/hello", flush=True)

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"joining {WS_URL} realm {REALM} as {DOMAIN}", flush=True)
    while not stopping:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            ApplicationRunner(WS_URL, REALM).run(Backend)
        except (OSError, ConnectionError) as e:
            print(f"cannot reach the router yet: {e}", flush=True)
        if not stopping:
            time.sleep(1)


if __name__ == "__main__":
    main()
