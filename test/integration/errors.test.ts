// Every error the service sends, read by xmpp.js's own XMPPError.fromElement, which takes the children of <error/>
// by position (RFC 6120 §8.3.2: defined condition, then <text/>, then the application condition). Real Prosody and
// the real component; the requests and the errors they must get are in test/support/error-cases.ts.
import XMPPError from "@xmpp/error";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CASES, ERROR_STACK, NS_PUBSUB_ERRORS, type Request } from "../support/error-cases.ts";
import type { TestClient } from "../support/client.ts";
import { startStack, type Stack } from "../support/stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(ERROR_STACK);
});
afterAll(() => stack?.stop());

let n = 0;
/** Sends `r`; resolves with the reply's <error/> (an IQ error, or a message error with the same id). */
async function send(c: TestClient, r: Request): Promise<Element> {
  if ("iq" in r) return (await c.iqError(r.iq, r.child)).reply.getChild("error")!;
  const id = `m${++n}`;
  const reply = c.waitFor(
    (s) => s.is("message") && s.attrs.type === "error" && s.attrs.id === id,
    `the message error to ${id}`,
  );
  await c.send(xml("message", { to: stack.componentJid, id }, r.message));
  return (await reply).getChild("error")!;
}

describe("errors as xmpp.js reads them", () => {
  ERROR_CASES.forEach((c, i) => {
    it(`refuses ${c.what}`, async () => {
      const u = await stack.user(`refused${i}`);
      const me = { bare: u.bare, full: u.jid };
      for (const b of c.before?.(me) ?? []) await u.iq(b.iq, b.child);
      const release = c.fault?.(stack.dbFile);
      let el: Element;
      try {
        el = await send(u, c.request(me));
      } finally {
        release?.();
      }
      const e = XMPPError.fromElement(el);
      // the application condition as name and attributes: Prosody re-serialises attributes in no fixed order
      const app = e.application && { name: e.application.name, attrs: { ...e.application.attrs } };
      expect({ type: el.attrs.type, condition: e.condition, text: e.text, application: app }).toEqual({
        type: c.expect.type,
        condition: c.expect.condition,
        text: typeof c.expect.text === "string" ? c.expect.text : expect.stringMatching(c.expect.text),
        application: c.expect.app && {
          name: c.expect.app,
          attrs: { xmlns: NS_PUBSUB_ERRORS, ...(c.expect.feature && { feature: c.expect.feature }) },
        },
      });
      // nothing else in <error/>: the condition, the text if any, the application condition if any
      expect(el.getChildElements()).toHaveLength(1 + (c.expect.text === "" ? 0 : 1) + (c.expect.app ? 1 : 0));
    });
  });
});
