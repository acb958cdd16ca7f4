// The publisher's XMPP session and in-band registration against a scripted fake server (no Prosody needed).
import { describe, it, expect, afterEach } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { Parser, type Element } from "@xmpp/xml";
import { Session } from "../../component/src/simulator/session.ts";
import { registerAccount } from "../../component/src/simulator/register.ts";
import { semaphore } from "../../component/src/simulator/run.ts";

const HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
  "id='s1' from='localhost' version='1.0'>";
const STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";

interface Fake {
  server: Server;
  url: string;
  received: Element[];
  sockets: Socket[];
  /** the first element received (already, or from now on) that matches */
  next(pred: (el: Element) => boolean): Promise<Element>;
}

/** A scripted server: answers stream opens with `features(n)` and hands every other element to `onElement`. */
function fakeServer(features: (n: number) => string, onElement: (el: Element, sock: Socket) => void): Promise<Fake> {
  const received: Element[] = [];
  const sockets: Socket[] = [];
  const waiters: { pred: (el: Element) => boolean; ok: (el: Element) => void }[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    sock.setEncoding("utf8");
    let opens = 0;
    let parser = new Parser();
    const attach = () => {
      parser.on("start", () => sock.write(HEADER + features(opens++)));
      parser.on("end", () => sock.end("</stream:stream>"));
      parser.on("element", (el: Element) => {
        received.push(el);
        for (const w of waiters.filter((w) => w.pred(el))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.ok(el);
        }
        if (el.name === "auth") {
          // SASL success restarts the stream (RFC 6120 §6.4.6)
          parser = new Parser();
          attach();
        }
        onElement(el, sock);
      });
    };
    attach();
    sock.on("data", (d: string) => parser.write(d));
    sock.on("error", () => {});
  });
  const next = (pred: (el: Element) => boolean) => {
    const seen = received.find(pred);
    return seen ? Promise.resolve(seen) : new Promise<Element>((ok) => waiters.push({ pred, ok }));
  };
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => {
      ok({ server, url: `xmpp://127.0.0.1:${(server.address() as { port: number }).port}`, received, sockets, next });
    }),
  );
}

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.close();
  servers = [];
});

describe("a publisher session", () => {
  async function online() {
    const fake = await fakeServer(
      (n) =>
        n === 0
          ? "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
            "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
          : "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
      (el, sock) => {
        if (el.name === "auth") sock.write("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        if (el.name === "iq" && el.getChild("bind")) {
          sock.write(
            `<iq type='result' id='${el.attrs.id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>` +
              "<jid>sim-0001@localhost/sim1</jid></bind></iq>",
          );
        }
        if (el.name === "iq" && el.getChild("pubsub")) {
          // the reply arrives in two TCP chunks split inside a multi-byte character
          const reply = Buffer.from(
            `<message from='geo.localhost'><body>Neukölln 東京</body></message><iq type='result' id='${el.attrs.id}'/>`,
          );
          const cut = reply.indexOf(Buffer.from("京")) + 1;
          sock.write(reply.subarray(0, cut));
          setTimeout(() => sock.write(reply.subarray(cut)), 20);
        }
      },
    );
    servers.push(fake.server);
    const lost: string[] = [];
    const stanzas: Element[] = [];
    let signal!: () => void;
    const lostSignal = new Promise<void>((ok) => {
      signal = ok;
    });
    const session = new Session({
      server: fake.url,
      domain: "localhost",
      service: "geo.localhost",
      user: "sim-0001",
      password: "pw",
      resource: "sim1",
      timeoutMs: 3000,
      onLost: (w) => {
        lost.push(w);
        signal();
      },
      onStanza: (st) => stanzas.push(st),
    });
    await session.start();
    return { session, fake, lost, lostSignal, stanzas };
  }

  it("logs in with PLAIN even when SCRAM is offered (SCRAM costs a second of CPU per login)", async () => {
    const { session, fake } = await online();
    const auth = fake.received.find((e) => e.name === "auth")!;
    expect(auth.attrs.mechanism).toBe("PLAIN");
    expect(Buffer.from(auth.getText(), "base64").toString()).toBe("\0sim-0001\0pw");
    await session.logout();
  });

  it("sends broadcast and directed presence, and grants the service's subscription request only", async () => {
    const { session, fake } = await online();
    session.presence("away");
    const directed = await fake.next((e) => e.name === "presence" && e.attrs.to === "geo.localhost");
    const broadcast = await fake.next((e) => e.name === "presence" && e.attrs.to === undefined);
    expect(directed.getChildText("show")).toBe("away");
    expect(broadcast.getChildText("show")).toBe("away");
    fake.sockets[0].write(
      "<presence from='mallory@localhost' type='subscribe'/><presence from='geo.localhost' type='subscribe'/>",
    );
    const granted = await fake.next((e) => e.name === "presence" && e.attrs.type === "subscribed");
    expect(granted.attrs.to).toBe("geo.localhost");
    await session.logout();
    expect(fake.received.filter((e) => e.attrs.type === "subscribed")).toHaveLength(1);
    expect(fake.received.find((e) => e.name === "presence" && e.attrs.type === "unavailable")).toBeDefined();
  });

  it(
    "publishes to its own node, with publish-options when asked, " + "and reads replies split inside a character",
    async () => {
      const { session, fake, stanzas } = await online();
      const ms = await session.publish({ lat: "52.5", lon: "13.4", text: "Kaffeepause ☕" }, "whitelist");
      expect(ms).toBeGreaterThan(0);
      const iq = fake.received.find((e) => e.name === "iq" && e.getChild("pubsub"))!;
      const pubsub = iq.getChild("pubsub", "http://jabber.org/protocol/pubsub")!;
      expect(iq.attrs.to).toBe("geo.localhost");
      expect(pubsub.getChild("publish")!.attrs.node).toBe("http://jabber.org/protocol/geoloc");
      expect(pubsub.getChild("publish")!.getChild("item")!.getChild("geoloc")!.getChildText("text")).toBe(
        "Kaffeepause ☕",
      );
      const fields = pubsub.getChild("publish-options")!.getChild("x")!.getChildren("field");
      expect(fields.map((f) => [f.attrs.var, f.getChildText("value")])).toEqual([
        ["FORM_TYPE", "http://jabber.org/protocol/pubsub#publish-options"],
        ["pubsub#access_model", "whitelist"],
      ]);
      expect(stanzas.find((st) => st.is("message"))!.getChildText("body")).toBe("Neukölln 東京");
      await session.logout();
    },
  );

  it("reports a connection it did not close as lost, and not one it dropped itself", async () => {
    const a = await online();
    const reported = new Promise<string[]>((ok) => a.lostSignal.then(() => ok(a.lost)));
    a.fake.sockets[0].destroy();
    expect(await reported).toEqual(["connection lost"]);
    expect(a.session.online).toBe(false);
    const b = await online();
    const closed = new Promise((ok) => b.fake.sockets[0].once("close", ok));
    b.session.drop();
    await closed;
    expect(b.lost).toEqual([]);
  });
});

describe("in-band registration", () => {
  async function registrar(reply: (id: string) => string) {
    const fake = await fakeServer(
      () => "<stream:features><register xmlns='http://jabber.org/features/iq-register'/></stream:features>",
      (el, sock) => {
        if (el.name === "iq") sock.write(reply(el.attrs.id));
      },
    );
    servers.push(fake.server);
    return fake;
  }

  it("creates an account", async () => {
    const fake = await registrar((id) => `<iq type='result' id='${id}'/>`);
    expect(await registerAccount(fake.url, "localhost", "sim-0001", "pw")).toBe("created");
    const q = fake.received.find((e) => e.name === "iq")!.getChild("query", "jabber:iq:register")!;
    expect([q.getChildText("username"), q.getChildText("password")]).toEqual(["sim-0001", "pw"]);
  });

  it("accepts an account that exists already", async () => {
    const fake = await registrar(
      (id) => `<iq type='error' id='${id}'><error type='cancel'><conflict xmlns='${STANZAS}'/></error></iq>`,
    );
    expect(await registerAccount(fake.url, "localhost", "sim-0001", "pw")).toBe("exists");
  });

  it("explains a refusal with the server's condition and text", async () => {
    const fake = await registrar(
      (id) =>
        `<iq type='error' id='${id}'><error type='cancel'><not-allowed xmlns='${STANZAS}'/>` +
        `<text xmlns='${STANZAS}'>Registration disabled</text></error></iq>`,
    );
    await expect(registerAccount(fake.url, "localhost", "sim-0001", "pw")).rejects.toThrow(
      "not-allowed (Registration disabled)",
    );
  });
});

describe("the login slot pool", () => {
  it("never lets more than n holders in at once, and serves waiters in order", async () => {
    const acquire = semaphore(2);
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (i) => {
        const release = await acquire();
        order.push(i);
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        release();
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
