// Non-ASCII publishes cut at random byte offsets between TCP writes (a scripted XEP-0114 server, as in
// utf8-split.test.ts), property-based with the hostile-input fuzz's seed: each arrives and is stored intact.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NS_GEOLOC, NS_PUBSUB } from "../support/client.ts";
import { bytes, SEED, SERVICE, xmlSafe } from "../support/fuzz-values.ts";
import { startScriptedPeer } from "../support/scripted-peer.ts";

describe("non-ASCII split across TCP chunks", () => {
  it("stores every generated non-ASCII text exactly, wherever the stream is cut", async () => {
    const { socket: peer, service: svc, received, waitFor, close } = await startScriptedPeer(SERVICE);
    let runs = 0;
    try {
      const nonAscii = fc
        .string({ unit: "grapheme", minLength: 1, maxLength: 300 })
        .map((s) => xmlSafe(s).replace(/[<&>]/g, "·").trim())
        .filter((s) => /[^\x00-\x7f]/.test(s) && s.length <= 1024);
      await fc.assert(
        fc.asyncProperty(nonAscii, fc.nat(), async (t, cutSeed) => {
          const id = `u${++runs}`;
          const head =
            `<iq type='set' id='${id}' from='alice@localhost/r' to='${SERVICE}'>` +
            `<pubsub xmlns='${NS_PUBSUB}'><publish node='${NS_GEOLOC}'>` +
            `<item id='${id}'><geoloc xmlns='${NS_GEOLOC}'><lat>1</lat><lon>2</lon><text>`;
          const stanza = Buffer.from(`${head}${t}</text></geoloc></item></publish></pubsub></iq>`, "utf8");
          // the cut falls inside the text, so often inside a multi-byte character
          const cut = bytes(head) + 1 + (cutSeed % (bytes(t) - 1 || 1));
          const ping = Buffer.from(
            `<iq type='get' id='p${id}' from='alice@localhost/r' to='${SERVICE}'><ping xmlns='urn:xmpp:ping'/></iq>`,
          );
          peer.write(Buffer.concat([ping, stanza.subarray(0, cut)]));
          await waitFor(`id="p${id}"`); // the component has read the first write: the next one is a separate read
          peer.write(stanza.subarray(cut));
          await waitFor(`id="${id}"`);
          expect(received()).toContain(`id="${id}" type="result"`);
          const items = svc.core.items("alice@localhost", "alice@localhost", [id], undefined);
          expect(items.ok && items.value.map((e) => ("item" in e ? e.item.geoloc.text : undefined))).toEqual([t]);
        }),
        { seed: SEED, numRuns: 150 },
      );
      console.log(
        `utf-8 split: ${runs} generated non-ASCII texts, each cut at a random byte inside it between two TCP writes`,
      );
    } finally {
      await close();
    }
  });
});
