// The component as an operator runs it: `npm run component`'s entry point as a child process, killed with -9,
// restarted, and reconnecting to a restarted Prosody.
import { xml } from "@xmpp/client";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startProsody } from "../../prosody/server.ts";
import { connectClient, geoloc, isEvent, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { MAIN, startComponent } from "../support/component-process.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [...MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, GEO_SECRET: "", ...env },
    encoding: "utf8",
  });
}

describe("the command line", () => {
  it("prints --help and exits 0", () => {
    const r = run(["--help"], {});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("GEO_SECRET");
    expect(r.stdout).toContain("--access-model");
  });

  it("exits 2 with a clear message when GEO_SECRET is missing", () => {
    const r = run([], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("GEO_SECRET is not set");
  });

  it("exits 2 on a bad access model", () => {
    const r = run([], { GEO_SECRET: "x", GEO_ACCESS_MODEL: "everyone" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("GEO_ACCESS_MODEL");
  });
});

describe("durability and reconnection", () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it(
    "keeps every acknowledged publish, " + "configuration and subscription across kill -9, and relearns presence",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "geo-proc-"));
      let prosody = await startProsody({ dataDir });
      cleanup.push(() => prosody.stop());
      const db = join(dataDir, "geo.sqlite");
      let comp = startComponent(prosody, db);
      cleanup.push(() => comp.proc.kill("SIGKILL"));
      await comp.connected(1);

      const connect = async (name: string) => {
        prosody.register(name, "pw");
        const c = await connectClient({
          service: prosody.c2sService,
          domain: "localhost",
          username: name,
          password: "pw",
          pubsub: prosody.component,
        });
        cleanup.push(() => c.stop());
        return c;
      };
      const pub: TestClient = await connect("pat");
      pub.xmpp.on("stanza", (s) => {
        if (s.is("presence") && s.attrs.type === "subscribe")
          void pub.send(xml("presence", { to: s.attrs.from, type: "subscribed" }));
      });
      await pub.send(xml("presence"));
      const watcher = await connect("wendy");
      await watcher.send(xml("presence")); // available: headlines to the bare JID reach this session (RFC 6121 §8.5.2)
      await watcher.iq("set", pubsub(xml("subscribe", { node: "presence", jid: watcher.bare })));
      await watcher.iq("set", pubsub(xml("subscribe", { node: "locations", jid: watcher.bare })));

      const acked: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await pub.iq(
          "set",
          publishEl(geoloc({ lat: 10 + i / 100, lon: 20, text: `fix ${i} – ünïcode` }), undefined, `k${i}`),
        );
        acked.push(r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id);
      }
      await watcher.waitFor(
        (s) => isEvent(s, "presence", (i) => i.attrs.id === "pat@localhost" && !i.getChild("presence")!.attrs.type),
        "pat online",
      );

      await pub.iq(
        "set",
        xml(
          "pubsub",
          { xmlns: "http://jabber.org/protocol/pubsub#owner" },
          xml(
            "configure",
            { node: "pat@localhost" },
            xml(
              "x",
              { xmlns: "jabber:x:data", type: "submit" },
              xml("field", { var: "pubsub#title" }, xml("value", {}, "Pat's van")),
            ),
          ),
        ),
      );

      comp.proc.kill("SIGKILL");
      await new Promise((r) => comp.proc.once("exit", r));
      const before = watcher.received.length;
      comp = startComponent(prosody, db);
      await comp.connected(1);

      // items: the 20 newest acknowledged ones (max_items), intact
      const items = await watcher.iq("get", pubsub(xml("items", { node: "pat@localhost" })));
      const got = items.getChild("pubsub")!.getChild("items")!.getChildren("item");
      expect(got.map((i) => i.attrs.id)).toEqual(acked.slice(-20));
      expect(got[19].getChild("geoloc")!.getChildText("text")).toBe("fix 29 – ünïcode");
      const cfg = await pub.iq(
        "get",
        xml(
          "pubsub",
          { xmlns: "http://jabber.org/protocol/pubsub#owner" },
          xml("configure", { node: "pat@localhost" }),
        ),
      );
      expect(cfg.toString()).toContain("<value>Pat's van</value>");
      // the persistent subscription survived: a new publish reaches the watcher
      await pub.iq("set", publishEl(geoloc({ lat: 1, lon: 2 }), undefined, "after-restart"));
      await watcher.waitFor(
        (s) => isEvent(s, "pat@localhost", (i) => i.attrs.id === "after-restart"),
        "the post-restart notification",
      );
      // presence relearned by probe: pat is online again on node presence
      await watcher.waitFor(
        (s) =>
          watcher.received.indexOf(s) >= before &&
          isEvent(s, "presence", (i) => i.attrs.id === "pat@localhost" && !i.getChild("presence")!.attrs.type),
        "pat online after the probe",
      );

      // Prosody restarts: the component reconnects with backoff, state intact
      const ports = {
        c2sPort: prosody.c2sPort,
        componentPort: prosody.componentPort,
        httpPort: prosody.httpPort,
        componentSecret: prosody.componentSecret,
      };
      await prosody.stop();
      await new Promise<void>((resolve) => {
        const check = () => (comp.output().includes("disconnected from") ? resolve() : setTimeout(check, 20));
        check();
      });
      prosody = await startProsody({ dataDir, ...ports });
      await comp.connected(2);
      const again = await connect("victor");
      const r = await again.iq("get", pubsub(xml("items", { node: "pat@localhost", max_items: "1" })));
      expect(r.getChild("pubsub")!.getChild("items")!.getChild("item")!.attrs.id).toBe("after-restart");
      expect(r.getChild("pubsub")!.getChild("items")!.getChild("item")!.attrs.publisher).toBe("pat@localhost");
    },
  );
});
