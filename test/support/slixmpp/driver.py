#!/usr/bin/python3
# Drives slixmpp clients (Debian's python3-slixmpp 1.8.3; Debian's /usr/bin/python3) for the integration tests:
# one long-lived process per test file, several clients in one asyncio loop, commands and answers as JSON lines
# on stdin/stdout (the TypeScript side: test/support/slixmpp.ts). One process, not one per scenario: Python and
# slixmpp start once, and the test decides the order of events across clients (a viewer subscribed before a
# publisher publishes) by waiting for the events this driver forwards, never by sleeping.
#
# In:  {"id": 1, "op": "connect", "args": {"client": "v", ...}}  Out: {"id": 1, "ok": <value>}
#                                                                    {"id": 1, "error": <error_value>}  (an IQ error)
#                                                                    {"id": 1, "fail": "<what went wrong>"}
# Out, unasked: {"event": "ready", ...}, {"event": "items", "client": "v", ...} (every pubsub event a client gets)
import asyncio
import json
import sys
import traceback

try:
    import slixmpp
    from slixmpp.exceptions import IqError
    from slixmpp.plugins.xep_0080 import Geoloc
    from slixmpp.xmlstream import ET
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import StanzaPath
except ImportError as e:
    print(json.dumps({"event": "fatal", "message": f"{sys.executable} cannot import slixmpp ({e}). "
                      "Install it with: apt-get install -y python3-slixmpp"}), flush=True)
    sys.exit(2)

from report import disco_value, error_value, event_value, result_item_value

TIMEOUT = 10  # seconds for any one answer; the test's own timeouts are longer, so a hang is reported as such


def emit(value):
    sys.stdout.write(json.dumps(value) + "\n")  # ASCII JSON (\u escapes): exact whatever the pipe's encoding
    sys.stdout.flush()


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password)
        self.name = name
        for plugin in ("xep_0030", "xep_0004", "xep_0128", "xep_0060", "xep_0163", "xep_0080"):
            self.register_plugin(plugin)
        self["feature_mechanisms"].unencrypted_plain = True  # loopback test server without TLS (component/PLATFORM.md)
        self.started = asyncio.get_running_loop().create_future()
        self.add_event_handler("session_start", lambda _: self._settle(None))
        self.add_event_handler("failed_auth", lambda _: self._settle(f"{jid}: authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self._settle(f"{jid}: connection failed: {e}"))
        # Events are read from slixmpp's own stanza classes (msg['pubsub_event']['items'], EventItem, Geoloc) by a
        # handler of our own on the same StanzaPath the xep_0060 plugin uses, registered after it, so it sees the
        # message the plugin saw. Why not the plugin's pubsub_publish event alone: in 1.8.3 its handler raises
        # KeyError('pubsub_event') on every multi-item event whose message has an xml:lang (Prosody stamps one on
        # every stanza), so no event is raised at all for it; and for a multi-item event without xml:lang it raises
        # pubsub_publish once per item, each time with the whole message. `raised` says how often it did.
        self.raised = []
        self.add_event_handler("pubsub_publish", self.raised.append)
        self.add_event_handler("pubsub_retract", self.raised.append)
        self.register_handler(Callback("test: pubsub items", StanzaPath("message/pubsub_event/items"), self._event))

    def _settle(self, failure):
        if self.started.done():
            return
        if failure:
            self.started.set_exception(RuntimeError(failure))
        else:
            self.started.set_result(None)

    def _event(self, msg):
        raised = sum(1 for m in self.raised if m is msg)
        self.raised.clear()
        emit({"event": "items", "client": self.name, "raised": raised, **event_value(msg)})


clients = {}


def make_geoloc(fields):
    """A <geoloc/> built with slixmpp's XEP-0080 stanza."""
    geoloc = Geoloc()
    for key, value in fields.items():
        if key == "timestamp":
            # 1.8.3: Geoloc.set_timestamp is broken (component/PLATFORM.md)
            geoloc._set_sub_text("timestamp", text=value)
        else:
            geoloc[key] = value
    return geoloc


async def op_connect(a):
    c = Client(a["client"], a["jid"], a["password"])
    clients[a["client"]] = c
    c.connect(address=(a["host"], a["port"]), use_ssl=False, force_starttls=False, disable_starttls=True)
    await asyncio.wait_for(c.started, TIMEOUT)
    return {"jid": str(c.boundjid)}


async def op_presence(a):
    c = clients[a["client"]]
    if a.get("type") == "subscribe":
        c.send_presence_subscription(pto=a["to"])  # RFC 6121 §3.1.1; slixmpp approves the request back itself
    else:
        c.send_presence(pto=a.get("to"))
    return None


async def op_disconnect(a):
    c = clients.pop(a["client"])
    await asyncio.wait_for(c.disconnect(), TIMEOUT)
    return None


async def op_disco_info(a):
    iq = await clients[a["client"]]["xep_0030"].get_info(jid=a["to"], node=a.get("node"), timeout=TIMEOUT)
    return disco_value(iq["disco_info"])


async def op_publish(a):
    """XEP-0060 §7.1 with slixmpp's xep_0060 plugin and an XEP-0080 payload."""
    iq = await clients[a["client"]]["xep_0060"].publish(
        a["to"], a["node"], id=a.get("id"), payload=make_geoloc(a["geoloc"]), timeout=TIMEOUT
    )
    publish = iq["pubsub"]["publish"]
    return {"node": publish["node"], "id": publish["item"]["id"]}


async def op_pep_publish(a):
    """XEP-0163 §3: to the account's own PEP geoloc node, with slixmpp's xep_0163 plugin."""
    iq = await clients[a["client"]]["xep_0163"].publish(make_geoloc(a["geoloc"]), id=a["id"], timeout=TIMEOUT)
    return {"id": iq["pubsub"]["publish"]["item"]["id"]}


async def op_subscribe(a):
    # bare=False: the full JID subscribes, as the map does (a temporary subscription, XEP-0060 §12.5)
    iq = await clients[a["client"]]["xep_0060"].subscribe(a["to"], a["node"], bare=False, timeout=TIMEOUT)
    return {"subscription": iq["pubsub"]["subscription"]["subscription"]}


async def op_items(a):
    iq = await clients[a["client"]]["xep_0060"].get_items(a["to"], a["node"], timeout=TIMEOUT)
    return [result_item_value(i) for i in iq["pubsub"]["items"]]


async def op_iq(a):
    """Any IQ: the payload as XML text; slixmpp parses the answer (an error becomes IqError)."""
    c = clients[a["client"]]
    iq = c.make_iq(ito=a["to"], itype=a["type"])
    iq.append(ET.fromstring(a["xml"]))
    return {"xml": str(await iq.send(timeout=TIMEOUT))}


async def op_message_error(a):
    """Sends a message with the payload `xml`; resolves with the message error that answers it (RFC 6120 §8.2)."""
    c = clients[a["client"]]
    mid = c.new_id()
    answer = asyncio.get_running_loop().create_future()

    def on_error(msg):
        if msg["id"] == mid and not answer.done():
            answer.set_result(msg)

    c.add_event_handler("message_error", on_error)
    try:
        msg = c.make_message(mto=a["to"])
        msg["id"] = mid
        msg.append(ET.fromstring(a["xml"]))
        msg.send()
        return {"error": error_value((await asyncio.wait_for(answer, TIMEOUT))["error"])}
    finally:
        c.del_event_handler("message_error", on_error)


OPS = {name[3:]: f for name, f in globals().items() if name.startswith("op_")}


async def run(cmd):
    try:
        try:
            answer = {"ok": await OPS[cmd["op"]](cmd["args"])}
        except IqError as e:
            answer = {"error": error_value(e.iq["error"])}
        emit({"id": cmd["id"], **answer})
    except BaseException as e:  # every failure goes back to the test that asked, with its traceback on stderr
        traceback.print_exc()
        emit({"id": cmd["id"], "fail": f"{cmd['op']}: {type(e).__name__}: {e}"})


async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    emit({"event": "ready", "slixmpp": slixmpp.__version__, "python": sys.version.split()[0]})
    tasks = set()
    while line := await reader.readline():
        task = asyncio.create_task(run(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    # stdin closed: the test is over; the sockets close with the process


if __name__ == "__main__":
    asyncio.run(main())
