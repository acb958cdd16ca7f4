// A multi-byte character split between two TCP reads reaches the service intact (../shared/STACK.md on xmpp.js
// decoding). Prosody decides where its writes end, so this test plays the server's side of XEP-0114 itself and cuts
// the stream inside "ü": the first read is known to be over when the component has answered the ping before it.
import { component } from "@xmpp/component";
import { createServer, type Socket } from "node:net";
import { afterAll, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../component/src/core/state.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { createService } from "../../component/src/xmpp/service.ts";

const cleanup: Array<() => unknown> = [];
afterAll(async () => { for (const f of cleanup.reverse()) await f(); });

it("decodes UTF-8 as a stream when TCP splits a character between two reads", async () => {
  let peer!: Socket;
  let received = "";
  const waiters: Array<[string, () => void]> = [];
  const waitFor = (s: string) => new Promise<void>((r) => (received.includes(s) ? r() : waiters.push([s, r])));
  const server = createServer((s) => {
    peer = s;
    s.setNoDelay(true);
    s.on("data", (d) => {
      received += d.toString("utf8");
      for (const w of [...waiters]) if (received.includes(w[0])) { waiters.splice(waiters.indexOf(w), 1); w[1](); }
      if (received.includes("<handshake") && !received.includes("HANDSHAKE-DONE")) {
        received += "HANDSHAKE-DONE";
        s.write("<handshake/>");
      } else if (received.includes("<stream:stream") && !received.includes("STREAM-OPEN")) {
        received += "STREAM-OPEN";
        s.write("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='geo.localhost'>");
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanup.push(() => server.close());
  const port = (server.address() as { port: number }).port;

  const store = openSqliteStore(":memory:");
  const entity = component({ service: `xmpp://127.0.0.1:${port}`, domain: "geo.localhost", password: "secret" });
  entity.on("error", () => {});
  const svc = createService({ entity, store, settings: { ...DEFAULT_SETTINGS, domains: new Set(["localhost"]) } });
  cleanup.push(() => { entity.reconnect.stop(); peer?.destroy(); });
  await entity.start();

  const text = "Grüße aus Köln";
  const publish = Buffer.from(
    "<iq type='set' id='pub' from='alice@localhost/r' to='geo.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>" +
    "<publish node='http://jabber.org/protocol/geoloc'><item id='i1'><geoloc xmlns='http://jabber.org/protocol/geoloc'>" +
    `<lat>50.9</lat><lon>6.9</lon><text>${text}</text></geoloc></item></publish></pubsub></iq>`, "utf8");
  const cut = publish.indexOf(Buffer.from("ü")) + 1; // inside the two bytes of "ü"
  const ping = Buffer.from("<iq type='get' id='ping1' from='alice@localhost/r' to='geo.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
  peer.write(Buffer.concat([ping, publish.subarray(0, cut)]));
  await waitFor("ping1"); // the component has read (and answered) the first chunk
  peer.write(publish.subarray(cut));
  await waitFor('id="pub"');
  expect(received).toContain('id="pub" type="result"');
  const items = svc.core.items("alice@localhost", "alice@localhost", undefined, undefined);
  expect(items.ok && items.value.map((e) => ("item" in e ? e.item.geoloc.text : undefined))).toEqual([text]);
});
