// A multi-byte character split between two TCP reads reaches the service intact (component/PLATFORM.md on xmpp.js
// decoding). Prosody decides where its writes end, so this test plays the server's side of XEP-0114 itself and cuts
// the stream inside "ü": the first read is known to be over when the component has answered the ping before it.
import { afterAll, expect, it } from "vitest";
import { startScriptedPeer } from "../support/scripted-peer.ts";

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

it("decodes UTF-8 as a stream when TCP splits a character between two reads", async () => {
  const { socket: peer, service: svc, received, waitFor, close } = await startScriptedPeer();
  cleanup.push(close);

  const text = "Grüße aus Köln";
  const publish = Buffer.from(
    "<iq type='set' id='pub' from='alice@localhost/r' to='geo.localhost'>" +
      "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='http://jabber.org/protocol/geoloc'>" +
      "<item id='i1'><geoloc xmlns='http://jabber.org/protocol/geoloc'>" +
      `<lat>50.9</lat><lon>6.9</lon><text>${text}</text></geoloc></item></publish></pubsub></iq>`,
    "utf8",
  );
  const cut = publish.indexOf(Buffer.from("ü")) + 1; // inside the two bytes of "ü"
  const ping = Buffer.from(
    "<iq type='get' id='ping1' from='alice@localhost/r' to='geo.localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
  );
  peer.write(Buffer.concat([ping, publish.subarray(0, cut)]));
  await waitFor("ping1"); // the component has read (and answered) the first chunk
  peer.write(publish.subarray(cut));
  await waitFor('id="pub"');
  expect(received()).toContain('id="pub" type="result"');
  const items = svc.core.items("alice@localhost", "alice@localhost", undefined, undefined);
  expect(items.ok && items.value.map((e) => ("item" in e ? e.item.geoloc.text : undefined))).toEqual([text]);
});
