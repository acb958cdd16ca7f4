// The wire fixtures (test/protocol-cases, format in its README.md): one loop sends each case's stanzas to the real
// component behind a real Prosody and compares every reply with the fixture, structurally. One stack serves every
// case (each case has its own users); a case marked stack='own' gets a fresh one. FIXTURE_RECORD=1 fills in empty
// <out/> steps from what the service sends (review the result: put {any} or {$name} on generated values).
import { xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import Database from "better-sqlite3";
import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { parse, type Element as LtxElement } from "ltx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type TestClient } from "../support/client.ts";
import { ERROR_STACK } from "../support/error-cases.ts";
import { startStack, type Stack } from "../support/stack.ts";
import {
  canonical,
  loadCases,
  placeholders,
  pretty,
  resolveWildcards,
  substitute,
  type Values,
  type WireCase,
} from "../support/wire-cases.ts";

const RECORD = process.env.FIXTURE_RECORD === "1";
const CASES = loadCases();

/** Faults a step can hold while its stanza is sent and until the next <out/> is matched. */
const FAULTS: Record<string, (dbFile: string) => () => void> = {
  // SQLite's write lock, held by another connection (as a backup would): the service's commit times out
  "lock-database": (dbFile) => {
    const db = new Database(dbFile, { timeout: 0 });
    db.exec("BEGIN IMMEDIATE");
    return () => {
      db.exec("ROLLBACK");
      db.close();
    };
  },
};

let shared: Stack;
beforeAll(async () => {
  shared = await startStack(ERROR_STACK);
});
afterAll(() => shared?.stop());

describe("the comparison", () => {
  const cmp = (want: string, got: string, captures = new Map<string, string>()) => {
    const g = parse(got) as LtxElement;
    return canonical(g) === canonical(resolveWildcards(parse(want) as LtxElement, g, captures));
  };
  it("ignores attribute order, declared vs inherited namespaces and whitespace between elements", () => {
    expect(
      cmp(
        "<iq a='1' b='2'><x xmlns='n'><y>t</y></x></iq>",
        "<iq b='2' a='1'>\n <x xmlns='n'>\n<y xmlns='n'> t </y></x></iq>",
      ),
    ).toBe(true);
  });
  it("sees a value, an attribute, a namespace, a child or the order of children that differ", () => {
    const want = "<iq a='1'><x xmlns='n'><y>t</y><z/></x></iq>";
    for (const got of [
      "<iq a='2'><x xmlns='n'><y>t</y><z/></x></iq>",
      "<iq a='1' b='1'><x xmlns='n'><y>t</y><z/></x></iq>",
      "<iq a='1'><x xmlns='m'><y>t</y><z/></x></iq>",
      "<iq a='1'><x xmlns='n'><y>t</y></x></iq>",
      "<iq a='1'><x xmlns='n'><z/><y>t</y></x></iq>",
      "<iq a='1'><x xmlns='n'><y>u</y><z/></x></iq>",
    ])
      expect(cmp(want, got), got).toBe(false);
  });
  it("matches {any} anywhere in a value, and {$name} once captured only to the same value", () => {
    expect(cmp("<a s='{any}'>retry in {any} ms</a>", "<a s='x'>retry in 12 ms</a>")).toBe(true);
    expect(cmp("<a>retry in {any} ms</a>", "<a>retry in 12 s</a>")).toBe(false);
    const captures = new Map<string, string>();
    expect(cmp("<a s='{$subid}'/>", "<a s='abc'/>", captures)).toBe(true);
    expect(cmp("<a s='{$subid}'/>", "<a s='abc'/>", captures)).toBe(true);
    expect(cmp("<a s='{$subid}'/>", "<a s='abd'/>", captures)).toBe(false);
  });
});

describe("wire fixtures", () => {
  it("finds the fixtures", () => expect(CASES.length).toBeGreaterThan(0));
  for (const c of CASES) {
    it(c.name, async () => {
      if (!c.ownStack) return runCase(shared, c);
      const own = await startStack(ERROR_STACK);
      try {
        await runCase(own, c);
      } finally {
        await own.stop();
      }
    });
  }
});

async function runCase(stack: Stack, c: WireCase): Promise<void> {
  const slug = c.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
  const values: Values = new Map([
    ["service", stack.componentJid],
    ["domain", stack.prosody.domain],
  ]);
  const clients = new Map<string, TestClient>();
  const fromService = (s: Element) =>
    s.attrs.from === stack.componentJid || String(s.attrs.from).startsWith(`${stack.componentJid}/`);
  const consumed = new Set<Element>();
  const captures: Values = new Map();
  const lastIq = new Map<string, string>();
  const unanswered = new Set<string>(); // user + IQ id: every IQ a case sends has its reply checked
  const recorded: string[] = [];
  let release: (() => void) | undefined;
  try {
    await Promise.all(
      c.users.map(async (u) => {
        const username = `${slug}-${u}`;
        await registerInBand(stack, username);
        const cl = await connectClient({
          service: stack.prosody.c2sService,
          domain: stack.prosody.domain,
          username,
          password: PASSWORD,
          pubsub: stack.componentJid,
        });
        // available, as a client is after login (RFC 6121 §4.2): messages to its bare JID reach it
        await cl.send(xml("presence"));
        clients.set(u, cl);
        values.set(u, cl.bare);
        values.set(`${u}.full`, cl.jid);
      }),
    );
    for (const [i, step] of c.steps.entries()) {
      const cl = clients.get(step.user)!;
      if (step.kind === "in") {
        const el = substitute(step.stanza, values, captures);
        if (el.is("iq")) {
          lastIq.set(step.user, el.attrs.id);
          unanswered.add(`${step.user} ${el.attrs.id}`);
        }
        if (step.fault) {
          const f = FAULTS[step.fault];
          if (!f) throw new Error(`${c.file}: unknown fault ${step.fault}`);
          release = f(stack.dbFile);
        }
        await cl.send(el as never);
        continue;
      }
      const want = step.stanza && substitute(step.stanza, values, captures);
      const name = want?.name ?? step.stanzaName ?? "iq";
      const id = name === "iq" ? (want?.attrs.id ?? lastIq.get(step.user)) : undefined;
      const what = `step ${i + 1} of ${c.name}: <${name}${id ? ` id='${id}'` : ""}/> from the service to ${step.user}`;
      const arrived = await cl.waitFor(
        (s) => !consumed.has(s) && s.name === name && fromService(s) && (id === undefined || s.attrs.id === id),
        what,
        5000,
      );
      consumed.add(arrived);
      if (id !== undefined) unanswered.delete(`${step.user} ${id}`);
      const got = stanzaOf(arrived);
      release?.();
      release = undefined;
      if (!want) {
        if (!RECORD) throw new Error(`${c.file}: ${what} has no expected stanza (record it with FIXTURE_RECORD=1)`);
        recorded.push(pretty(placeholders(got, values), "    "));
        continue;
      }
      expect(canonical(got), `${c.file}: ${what}`).toBe(canonical(resolveWildcards(want, got, captures)));
    }
    expect([...unanswered], `${c.file}: IQs whose reply no <out/> checks`).toEqual([]);
    // nothing else: every message the service sent a user before a last round trip is one the fixture expects
    for (const [u, cl] of clients) {
      const id = "fixture-end";
      void cl.send(xml("iq", { type: "get", to: stack.componentJid, id }, xml("ping", { xmlns: "urn:xmpp:ping" })));
      await cl.waitFor((s) => s.is("iq") && s.attrs.id === id, `the last round trip of ${u}`);
      const extra = cl.received.filter((s) => s.is("message") && fromService(s) && !consumed.has(s));
      if (RECORD)
        for (const s of extra)
          console.log(`${c.file}: unclaimed, for ${u}:\n${pretty(placeholders(stanzaOf(s), values), "    ")}`);
      else
        expect(
          extra.map((s) => canonical(stanzaOf(s))),
          `${c.file}: messages to ${u} the fixture does not expect`,
        ).toEqual([]);
    }
  } finally {
    release?.();
    await Promise.all([...clients.values()].map((cl) => cl.stop()));
  }
  if (RECORD && recorded.length) {
    const text = readFileSync(c.file, "utf8");
    let n = 0;
    writeFileSync(
      c.file,
      text.replace(/^([ \t]*)(<out\b[^>]*?)\s*\/>/gm, (m, ind: string, open: string) => {
        const r = recorded[n++];
        return r === undefined ? m : `${ind}${open}>\n${r}\n${ind}</out>`;
      }),
    );
  }
}

/** A received stanza as fixtures write it: without the xml:lang Prosody stamps on every stanza it routes. */
function stanzaOf(s: Element): LtxElement {
  const el = parse(s.toString()) as LtxElement;
  delete el.attrs["xml:lang"];
  return el;
}

const PASSWORD = "pw";

/**
 * XEP-0077 in-band registration over a plain stream (the test Prosody allows it): many at once, unlike one
 * `prosodyctl register` process per user.
 */
function registerInBand(stack: Stack, username: string): Promise<void> {
  const { hostname, port } = new URL(stack.prosody.c2sService);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    let buf = "";
    let asked = false;
    const done = (e?: Error) => {
      sock.end("</stream:stream>");
      sock.destroy();
      if (e) reject(e);
      else resolve();
    };
    sock.setEncoding("utf8");
    sock.on("error", done);
    sock.on("connect", () =>
      sock.write(
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
          `to='${stack.prosody.domain}' version='1.0'>`,
      ),
    );
    sock.on("data", (d: string) => {
      buf += d;
      if (!asked && buf.includes("</stream:features>")) {
        asked = true;
        sock.write(
          "<iq type='set' id='reg'><query xmlns='jabber:iq:register'>" +
            `<username>${username}</username><password>${PASSWORD}</password></query></iq>`,
        );
      }
      const reply = /<iq[^>]*id=['"]reg['"][^>]*>|<iq[^>]*type=['"](?:result|error)['"][^>]*>/.exec(buf);
      if (!reply) return;
      if (/type=['"]result['"]/.test(reply[0])) done();
      else done(new Error(`registering ${username} failed: ${buf.slice(reply.index)}`));
    });
  });
}
