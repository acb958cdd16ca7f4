// Two instances of the service for one domain on a private ejabberd (bare_source) and one private PostgreSQL, for
// the propagation tests (test/integration/cluster-propagation*.test.ts): a publisher whose stanzas reach instance A,
// a viewer whose stanzas reach instance B (A != B), started before the file's tests and stopped after them.
import { xml } from "@xmpp/client";
import { afterAll, beforeAll } from "vitest";
import { geoloc, publishEl, type TestClient } from "./client.ts";
import { ejabberdUser, ownerOf, startInstance, type Instance } from "./cluster.ts";
import { startEjabberd, type Ejabberd } from "./ejabberd.ts";
import { startPostgres, type Postgres } from "./postgres.ts";

export interface TwoInstances {
  pgs: Postgres;
  ejd: Ejabberd;
  instances: Instance[];
  /** every user taken, alice and the viewer among them */
  clients: TestClient[];
  A: Instance;
  B: Instance;
  /** a publisher whose stanzas reach A */
  alice: TestClient;
  /** a viewer whose stanzas reach B, available */
  viewer: TestClient;
}

/** Registers the file's beforeAll and afterAll; the object is filled in by the time the tests run. */
export function twoInstances(database: string): TwoInstances {
  const t = { instances: [], clients: [] } as unknown as TwoInstances;
  beforeAll(async () => {
    [t.pgs, t.ejd] = await Promise.all([startPostgres(), startEjabberd({ componentNumber: 2 })]);
    const db = await t.pgs.createDatabase(database);
    t.instances.push(await startInstance("one", t.ejd, db), await startInstance("two", t.ejd, db));
    // bare_source spreads users over the two slots: take users until each instance has one
    const by = new Map<Instance, TestClient>();
    for (let i = 0; by.size < 2; i++) {
      if (i === 40) throw new Error("40 users all reached one instance");
      const u = await ejabberdUser(t.ejd, `u${i}`);
      t.clients.push(u);
      const inst = await ownerOf(u, t.instances);
      if (!by.has(inst)) by.set(inst, u);
    }
    [t.A, t.B] = t.instances;
    [t.alice, t.viewer] = [by.get(t.A)!, by.get(t.B)!];
    // available (initial presence to its own server), so headlines to its bare JID are delivered (RFC 6121 §8.5.2.1.1)
    await t.viewer.send(xml("presence"));
  });
  afterAll(async () => {
    await Promise.all(t.clients.map((c) => c.stop()));
    for (const i of t.instances) await i.stop();
    await t.ejd?.stop();
    await t.pgs?.stop();
  });
  return t;
}

/** a publish of a fix at latitude `lat` */
export const fix = (lat: number) => publishEl(geoloc({ lat, lon: 13.4 }));
