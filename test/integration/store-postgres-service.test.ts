// The service on PostgreSQL against a private PostgreSQL and a real Prosody: an acknowledged publish is committed,
// a failed commit is answered and undone, PostgreSQL going away and coming back, and the component process with
// GEO_DB=postgres://... surviving kill -9 without losing an acknowledged publish. The store itself (migrations,
// group commit): store-postgres.test.ts.
import { xml } from "@xmpp/client";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../component/src/store/postgres.ts";
import { startProsody } from "../../prosody/server.ts";
import { connectClient, geoloc, IqError, isEvent, publishEl, pubsub, type TestClient } from "../support/client.ts";
import { startComponent } from "../support/component-process.ts";
import { sql, startPostgres, type Postgres } from "../support/postgres.ts";
import { startStack, type Stack } from "../support/stack.ts";

let pgs: Postgres;
const cleanup: Array<() => unknown> = [];
let dbs = 0;
const freshDb = () => pgs.createDatabase(`geo_${++dbs}`);

beforeAll(async () => {
  pgs = await startPostgres();
});
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  await pgs?.stop();
});

describe("the service on PostgreSQL (in process, real Prosody)", () => {
  let url: string, stack: Stack, alice: TestClient, bob: TestClient;
  beforeAll(async () => {
    url = await freshDb();
    stack = await startStack({ store: await openPostgresStore(url) });
    alice = await stack.user("alice");
    bob = await stack.viewer("bob");
    await bob.iq("set", pubsub(xml("subscribe", { node: "locations", jid: bob.jid })));
    // a poisoned item id makes the commit fail inside PostgreSQL, as a full disk or a lost connection would;
    // a slow one makes the commit take 300 ms, so an ack sent before the commit would be caught
    await sql(
      url,
      `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.id = 'poison' THEN RAISE EXCEPTION 'poisoned item'; END IF;
      IF NEW.id LIKE 'slow%' THEN PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$;
      CREATE TRIGGER poison BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION poison();`,
    );
  });
  afterAll(() => stack?.stop());

  it("has the row committed when the publish is acknowledged", async () => {
    for (const id of ["ack0", "ack1", "slow-ack2", "ack3", "ack4"]) {
      await alice.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, id));
      const r = await sql(url, "SELECT id, publisher FROM items WHERE node = 'alice@localhost' AND id = $1", [id]);
      expect(r.rows).toEqual([{ id, publisher: "alice@localhost" }]);
    }
    await bob.waitFor((s) => isEvent(s, "alice@localhost", (it) => it.attrs.id === "ack4"), "the last notification");
  });

  it(
    "answers resource-constraint when the commit fails, tells nobody, " + "and keeps memory equal to the database",
    async () => {
      const e = await alice.iq("set", publishEl(geoloc({ lat: 9, lon: 9 }), undefined, "poison")).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(IqError);
      expect((e as IqError).condition).toBe("resource-constraint");
      await alice.iq("set", publishEl(geoloc({ lat: 10, lon: 10 }), undefined, "after-poison"));
      await bob.waitFor(
        (s) => isEvent(s, "alice@localhost", (it) => it.attrs.id === "after-poison"),
        "the next notification",
      );
      expect(bob.received.some((s) => isEvent(s, "alice@localhost", (it) => it.attrs.id === "poison"))).toBe(false);
      const items = await bob.iq("get", pubsub(xml("items", { node: "alice@localhost" })));
      const ids = items
        .getChild("pubsub")!
        .getChild("items")!
        .getChildren("item")
        .map((i) => i.attrs.id);
      expect(ids).toEqual(["ack0", "ack1", "slow-ack2", "ack3", "ack4", "after-poison"]);
      const rows = (await sql(url, "SELECT id FROM items WHERE node = 'alice@localhost' ORDER BY seq")).rows.map(
        (r) => r.id,
      );
      expect(rows).toEqual(ids);
    },
  );

  it("keeps per-publisher order for a viewer while publishes of several publishers share batches", async () => {
    const pubs = await Promise.all(["p1", "p2", "p3", "p4"].map((n) => stack.user(n)));
    const sent = new Map<string, string[]>();
    await Promise.all(
      pubs.map(async (p) => {
        const ids = Array.from({ length: 40 }, (_, i) => `${p.bare}-${i}`);
        sent.set(p.bare, ids);
        // 10 in flight per publisher, on one stream each: the service processes them in the order sent
        for (let k = 0; k < ids.length; k += 10) {
          await Promise.all(
            ids.slice(k, k + 10).map((id, j) => p.iq("set", publishEl(geoloc({ lat: k + j, lon: 0 }), undefined, id))),
          );
        }
      }),
    );
    for (const p of pubs) {
      await bob.waitFor((st) => isEvent(st, p.bare, (it) => it.attrs.id === `${p.bare}-39`), `${p.bare}'s last event`);
      const seen = bob.received.flatMap((st) =>
        isEvent(st, p.bare)
          ? st
              .getChild("event")!
              .getChild("items")!
              .getChildren("item")
              .map((it) => it.attrs.id as string)
          : [],
      );
      expect(seen).toEqual(sent.get(p.bare));
    }
  });

  it("rolls back a node created by a failed first publish", async () => {
    const carol = await stack.user("carol");
    const e = await carol.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "poison")).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as IqError).condition).toBe("resource-constraint");
    const err = await bob.iqError("get", pubsub(xml("items", { node: "carol@localhost" })));
    expect(err.condition).toBe("item-not-found");
    expect((await sql(url, "SELECT count(*)::int AS n FROM nodes WHERE name = 'carol@localhost'")).rows[0].n).toBe(0);
  });
});

describe("PostgreSQL going away and coming back", () => {
  it(
    "answers resource-constraint while it is down, keeps no phantom item, " + "and works again once it is back",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "geo-pg-restart-"));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      let own = await startPostgres({ dataDir: dir });
      cleanup.push(() => own.stop());
      const stack = await startStack({ store: await openPostgresStore(own.url) });
      cleanup.push(() => stack.stop());
      const dana = await stack.user("dana");
      await dana.iq("set", publishEl(geoloc({ lat: 1, lon: 1 }), undefined, "before"));
      await own.stop();
      const e = await dana.iq("set", publishEl(geoloc({ lat: 2, lon: 2 }), undefined, "while-down")).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as IqError).condition).toBe("resource-constraint");
      own = await startPostgres({ dataDir: dir, port: own.port });
      await dana.iq("set", publishEl(geoloc({ lat: 3, lon: 3 }), undefined, "after"));
      const items = await dana.iq("get", pubsub(xml("items", { node: "dana@localhost" })));
      expect(
        items
          .getChild("pubsub")!
          .getChild("items")!
          .getChildren("item")
          .map((i) => i.attrs.id),
      ).toEqual(["before", "after"]);
      expect((await sql(own.url, "SELECT id FROM items ORDER BY seq")).rows.map((r) => r.id)).toEqual([
        "before",
        "after",
      ]);
    },
  );
});

describe("the component process with GEO_DB=postgres://", () => {
  it("keeps every acknowledged publish across kill -9", async () => {
    const url = await freshDb();
    const prosody = await startProsody({ dataDir: mkdtempSync(join(tmpdir(), "geo-pgproc-")) });
    cleanup.push(() => prosody.stop());
    const env = { GEO_MAX_ITEMS: "100" };
    let comp = startComponent(prosody, url, env);
    cleanup.push(() => comp.kill9());
    await comp.connected(1);
    expect(comp.output()).not.toContain("error");
    // every insert takes 5 ms in PostgreSQL: a batch of 20 commits ~100 ms after it was recorded, so an ack that
    // did not wait for its commit would be caught by the kill below
    await sql(
      url,
      `CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.005); RETURN NEW; END $$;
      CREATE TRIGGER slow BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION slow();`,
    );
    prosody.register("pat", "pw");
    const pat = await connectClient({
      service: prosody.c2sService,
      domain: "localhost",
      username: "pat",
      password: "pw",
      pubsub: prosody.component,
    });
    cleanup.push(() => pat.stop());

    // 60 publishes, 20 in flight at a time: several land in one batch
    const acked: string[] = [];
    for (let round = 0; round < 3; round++) {
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          pat
            .iq("set", publishEl(geoloc({ lat: round, lon: k }), undefined, `k${round * 20 + k}`))
            .then((r) => r.getChild("pubsub")!.getChild("publish")!.getChild("item")!.attrs.id as string),
        ),
      );
      acked.push(...ids);
    }
    await comp.kill9();
    const rows = (await sql(url, "SELECT id FROM items WHERE node = 'pat@localhost'")).rows.map((r) => r.id);
    expect(rows.sort()).toEqual([...acked].sort());

    comp = startComponent(prosody, url, env);
    await comp.connected(1);
    const items = await pat.iq("get", pubsub(xml("items", { node: "pat@localhost" })));
    const got = items
      .getChild("pubsub")!
      .getChild("items")!
      .getChildren("item")
      .map((i) => i.attrs.id);
    expect(got.sort()).toEqual([...acked].sort());
  });

  it("does not print the PostgreSQL password", async () => {
    const prosody = await startProsody({ dataDir: mkdtempSync(join(tmpdir(), "geo-pgproc-")) });
    cleanup.push(() => prosody.stop());
    await sql(pgs.url, "ALTER USER postgres PASSWORD 'sekrit-pw'"); // trust auth: accepted and not needed
    const comp = startComponent(prosody, pgs.url.replace("postgres@", "postgres:sekrit-pw@"));
    cleanup.push(() => comp.kill9());
    await comp.connected(1);
    expect(comp.output()).toContain("postgres://postgres:***@");
    expect(comp.output()).not.toContain("sekrit-pw");
  });
});
