// What the cluster design relies on in ejabberd 23.01 (component/PLATFORM.md "ejabberd"), checked against a private
// ejabberd: domain_balancing bare_source pins each sender to one component connection, a freed slot is retaken by
// the next connection, and answers to requests a component sends come back to the connection that owns the sender.
import { component, type Component } from "@xmpp/component";
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAccount } from "../../component/src/simulator/register.ts";
import { connectClient, type TestClient } from "../support/client.ts";
import { startEjabberd, type Ejabberd } from "../support/ejabberd.ts";

interface Instance {
  name: string;
  entity: Component;
  got: Element[];
  waiters: Array<() => void>;
}

let ejd: Ejabberd;
const instances: Instance[] = [];
const clients: TestClient[] = [];

async function connectInstance(
  name: string,
  service = ejd.componentService,
  domain = ejd.component,
): Promise<Instance> {
  const entity = component({ service, domain, password: ejd.componentSecret });
  entity.on("error", () => {});
  const inst: Instance = { name, entity, got: [], waiters: [] };
  entity.on("stanza", (s: Element) => {
    inst.got.push(s);
    for (const w of inst.waiters.splice(0)) w();
  });
  entity.on("connect", () => entity.socket?.setEncoding("utf8"));
  await entity.start();
  instances.push(inst);
  return inst;
}

function until(insts: Instance[], done: () => boolean, what: string, ms = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => {
      if (done()) {
        clearTimeout(t);
        resolve();
      } else for (const i of insts) i.waiters.push(check);
    };
    check();
  });
}

const bodiesFrom = (inst: Instance, who: string) =>
  inst.got
    .filter((s) => s.is("message") && String(s.attrs.from).startsWith(`${who}@`))
    .map((s) => s.getChildText("body"));

async function user(name: string): Promise<TestClient> {
  await registerAccount(ejd.c2sService, ejd.domain, name, "pw");
  const c = await connectClient({
    service: ejd.c2sService,
    domain: ejd.domain,
    username: name,
    password: "pw",
    pubsub: ejd.component,
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ejd = await startEjabberd({ componentNumber: 2, privateComponents: ["i1.geo.localhost", "i2.geo.localhost"] });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  for (const i of instances) {
    i.entity.reconnect.stop();
    try {
      await i.entity.stop();
    } catch {
      /* gone */
    }
  }
  await ejd?.stop();
});

describe("ejabberd domain_balancing bare_source with two component connections", () => {
  const senders: TestClient[] = [];

  it("delivers every stanza of one sender to one connection, in order, and uses both connections", async () => {
    const a = await connectInstance("a");
    const b = await connectInstance("b");
    for (let i = 0; i < 12; i++) senders.push(await user(`s${i}`));
    for (let k = 0; k < 5; k++)
      for (const s of senders)
        await s.send(xml("message", { to: ejd.component, type: "chat" }, xml("body", {}, `${k}`)));
    const total = () => a.got.length + b.got.length;
    await until([a, b], () => total() >= 60, "60 messages");
    for (const s of senders) {
      const who = s.bare.split("@")[0];
      const [ina, inb] = [bodiesFrom(a, who), bodiesFrom(b, who)];
      expect(ina.length === 0 || inb.length === 0, `${who}: a=${ina} b=${inb}`).toBe(true);
      expect([...ina, ...inb]).toEqual(["0", "1", "2", "3", "4"]);
    }
    expect(senders.filter((s) => bodiesFrom(a, s.bare.split("@")[0]).length).length).toBeGreaterThan(0);
    expect(senders.filter((s) => bodiesFrom(b, s.bare.split("@")[0]).length).length).toBeGreaterThan(0);
  });

  it(
    "gives an extra connection nothing, drops a free slot's stanzas, " +
      "and gives the slot to the next new connection",
    async () => {
      const [a, b] = instances;
      const names = (i: Instance, tag: string) =>
        senders.map((s) => s.bare.split("@")[0]).filter((w) => bodiesFrom(i, w).includes(tag));
      const ownedByA = names(a, "0");
      const ownedByB = names(b, "0");
      // a third connection while component_number is 2: accepted, but no slot
      const extra = await connectInstance("extra");
      const burst = async (tag: string) => {
        for (const s of senders)
          await s.send(xml("message", { to: ejd.component, type: "chat" }, xml("body", {}, tag)));
      };
      await burst("x");
      await until(
        [a, b],
        () => names(a, "x").length + names(b, "x").length === senders.length,
        "the burst with three connections",
      );
      // kill -9 of an instance, as the kernel sees it: the TCP connection just closes
      a.entity.reconnect.stop();
      (a.entity.socket as unknown as { destroy(): void }).destroy();
      await new Promise<void>((r) => a.entity.once("disconnect", () => r()));
      await burst("lost");
      await until(
        [b],
        () => names(b, "lost").length === ownedByB.length,
        "b's share of the burst while a's slot is free",
      );
      const c = await connectInstance("c");
      await burst("after");
      await until(
        [b, c],
        () => names(b, "after").length + names(c, "after").length === senders.length,
        "the burst after c connected",
      );
      // c took a's slot: a's senders now reach c, and only what was sent after it connected (nothing was queued)
      expect(names(c, "after").sort()).toEqual([...ownedByA].sort());
      for (const w of ownedByA) expect(bodiesFrom(c, w)).toEqual(["after"]);
      // the extra connection never inherited the free slot
      expect(extra.got.filter((st) => st.is("message"))).toEqual([]);
      a.entity.stop().catch(() => {});
    },
  );

  it("routes the answer to an IQ sent from the shared domain to the connection owning the answering user", async () => {
    const [, b, , c] = instances;
    // each connection asks every sender; the answer (from the sender's bare JID) follows bare_source, not the asker
    for (const inst of [b, c])
      for (const s of senders) {
        void inst.entity.send(
          xml(
            "iq",
            { type: "get", to: s.jid, from: ejd.component, id: `${inst.name}-${s.bare}` },
            xml("ping", { xmlns: "urn:xmpp:ping" }),
          ),
        );
      }
    const answers = (i: Instance) =>
      i.got.filter((s) => s.is("iq") && (s.attrs.type === "result" || s.attrs.type === "error"));
    await until([b, c], () => answers(b).length + answers(c).length >= 2 * senders.length, "every answer");
    for (const inst of [b, c]) {
      for (const r of answers(inst)) {
        const who = String(r.attrs.from).split("@")[0];
        expect(bodiesFrom(inst, who).length, `${r.attrs.id} answered by ${who} reached ${inst.name}`).toBeGreaterThan(
          0,
        );
      }
    }
  });

  it("brings answers back to the asker through its private subdomain (global_routes: false)", async () => {
    const p1 = await connectInstance("p1", ejd.privateServices["i1.geo.localhost"], "i1.geo.localhost");
    const p2 = await connectInstance("p2", ejd.privateServices["i2.geo.localhost"], "i2.geo.localhost");
    for (const [inst, host] of [
      [p1, "i1.geo.localhost"],
      [p2, "i2.geo.localhost"],
    ] as const) {
      for (const s of senders)
        void inst.entity.send(
          xml(
            "iq",
            { type: "get", to: s.jid, from: host, id: `${host}-${s.bare}` },
            xml("ping", { xmlns: "urn:xmpp:ping" }),
          ),
        );
    }
    const answers = (i: Instance) => i.got.filter((s) => s.is("iq") && s.attrs.type === "result");
    await until(
      [p1, p2],
      () => answers(p1).length >= senders.length && answers(p2).length >= senders.length,
      "every answer on its asker",
    );
    expect(answers(p1).every((r) => r.attrs.id.startsWith("i1."))).toBe(true);
    expect(answers(p2).every((r) => r.attrs.id.startsWith("i2."))).toBe(true);
  });
});
