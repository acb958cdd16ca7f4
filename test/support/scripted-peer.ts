// The server's side of XEP-0114, scripted: the component under test connects to it, and the test decides exactly
// where each TCP write ends (Prosody decides that for its own writes, so a split inside a character needs this).
// Wires the real service (in-memory SQLite) to the peer.
import { component } from "@xmpp/component";
import { createServer, type Socket } from "node:net";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { createService, type RunningService } from "../../component/src/xmpp/service.ts";

export interface ScriptedPeer {
  /** the component's side of the socket, for raw writes */
  socket: Socket;
  service: RunningService;
  /** everything the component wrote so far */
  received(): string;
  /** resolves once the component has written `s` */
  waitFor(s: string): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedPeer(domain = "geo.localhost"): Promise<ScriptedPeer> {
  let peer: Socket | undefined;
  let connected!: () => void;
  const ready = new Promise<void>((r) => {
    connected = r;
  });
  let received = "";
  const waiters: Array<[string, () => void]> = [];
  const server = createServer((s) => {
    peer = s;
    s.setNoDelay(true);
    s.on("data", (d) => {
      received += d.toString("utf8");
      for (const w of [...waiters])
        if (received.includes(w[0])) {
          waiters.splice(waiters.indexOf(w), 1);
          w[1]();
        }
      if (received.includes("<handshake") && !received.includes("HANDSHAKE-DONE")) {
        received += "HANDSHAKE-DONE";
        s.write("<handshake/>");
        connected();
      } else if (received.includes("<stream:stream") && !received.includes("STREAM-OPEN")) {
        received += "STREAM-OPEN";
        s.write(
          "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' " +
            `xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='${domain}'>`,
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const entity = component({ service: `xmpp://127.0.0.1:${port}`, domain, password: "secret" });
  entity.on("error", () => {});
  const service = createService({
    entity,
    store: openSqliteStore(":memory:"),
    settings: { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) },
  });
  await entity.start();
  await ready;
  return {
    socket: peer!,
    service,
    received: () => received,
    waitFor: (s) => new Promise<void>((r) => (received.includes(s) ? r() : waiters.push([s, r]))),
    close: async () => {
      entity.reconnect.stop();
      peer?.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
