// Several items in one notification (XEP-0060 §7.1.2.1) through the real Prosody: a burst of one publisher reaches
// a viewer in fewer messages than items, every item read, in the order published.
import { xml } from "@xmpp/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventItems, geoloc, NS_GEOLOC, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
let pat: TestClient, vic: TestClient;
const N = 30;

beforeAll(async () => {
  stack = await startStack();
  pat = await stack.user("pat");
  vic = await stack.viewer("vic");
  await pat.iq("set", publishEl(geoloc({ lat: 0, lon: 0 }), NS_GEOLOC, "first"));
  await vic.iq("set", pubsub(xml("subscribe", { node: "pat@localhost", jid: vic.jid })));
  await vic.waitFor((s) => eventItems(s, "pat@localhost").some((i) => i.attrs.id === "first"), "the replayed item");
});
afterAll(() => stack?.stop());

describe("several items per notification", () => {
  it("delivers a burst in fewer messages than items, every item in the order published", async () => {
    const before = vic.received.length;
    const sent = stack.service.outbox.messages;
    // sent without waiting for the replies: the service handles the burst in few event-loop turns
    const replies = Array.from({ length: N }, (_, i) =>
      pat.iq("set", publishEl(geoloc({ lat: i, lon: 1 }), NS_GEOLOC, `b${i}`)),
    );
    await Promise.all(replies);
    await vic.waitFor(
      (s) => eventItems(s, "pat@localhost").some((i) => i.attrs.id === `b${N - 1}`),
      "the last item of the burst",
    );
    const messages = vic.received.slice(before).filter((s) => eventItems(s, "pat@localhost").length > 0);
    const ids = messages.flatMap((s) => eventItems(s, "pat@localhost").map((i) => i.attrs.id));
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => `b${i}`));
    expect(messages.length).toBeLessThan(N);
    expect(Math.max(...messages.map((s) => eventItems(s).length))).toBeGreaterThan(1);
    for (const s of messages) for (const i of eventItems(s)) expect(i.attrs.publisher).toBe("pat@localhost");
    expect(stack.service.outbox.messages - sent).toBe(messages.length);
  });
});
