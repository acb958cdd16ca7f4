// The SQLite store's group commit (store/sqlite-batch.ts) under real failures: a full tmpfs (the commit fails, or
// SQLite rolls the whole transaction back itself) and ext4 shut down as on an I/O error. Mounting needs root, as
// test/integration/faults-storage.test.ts does. The rest of the group commit: store-sqlite.test.ts.
import { execFileSync } from "node:child_process";
import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailable, type StoredState } from "../../component/src/core/store.ts";
import { A, B, cleanUp, CONFIG, fill, ids, item, mount, open, other } from "../support/sqlite-files.ts";

afterEach(cleanUp);

describe("the SQLite store's group commit", () => {
  it("a failed commit rolls back the batch and hands the stored state of the touched nodes to onRollback", async () => {
    const file = mount("tmpfs");
    const s = open(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("committed"), 20);
    s.addSubscription({ node: A, jid: "v@localhost", subid: "s1", temporary: false });
    await s.durable();
    const events: string[] = [];
    let rolledBack: [string[], StoredState] | undefined;
    s.onRollback((names, fresh) => {
      events.push("rollback");
      rolledBack = [names, fresh];
    });

    const filler = fill(file);
    s.putItem(A, item("lost", "y".repeat(8000)), 20);
    s.addSubscription({ node: A, jid: "w@localhost", subid: "s2", temporary: false });
    s.atomically(() => {
      s.createNode(B, CONFIG);
      s.putItem(B, item("lost-too"), 20);
    });
    const failed = s.durable().then(
      () => events.push("resolved"),
      (e: unknown) => {
        events.push("rejected");
        return e;
      },
    );
    expect(await failed).toBeInstanceOf(StoreUnavailable);
    expect(((await failed) as StoreUnavailable).reason).toMatch(/SQLITE_FULL/);
    expect(events).toEqual(["rollback", "rejected"]);
    const [names, fresh] = rolledBack!;
    expect(names.sort()).toEqual([A, B]);
    // B no longer exists
    expect(fresh.nodes.map((n) => [n.name, n.items.map((i) => i.id)])).toEqual([[A, ["committed"]]]);
    expect(fresh.subscriptions.map((x) => x.jid)).toEqual(["v@localhost"]);
    expect(ids(other(file))).toEqual([`${A}/committed`]);

    unlinkSync(filler);
    s.putItem(A, item("after"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/committed`, `${A}/after`]);
  });

  it("fails the batch at once when SQLite rolls the whole transaction back itself", async () => {
    const file = mount("tmpfs");
    const s = open(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("committed"), 20);
    await s.durable();
    let rolledBack: [string[], StoredState] | undefined;
    s.onRollback((names, fresh) => {
      rolledBack = [names, fresh];
    });
    const idle = s.durable(); // nothing pending
    fill(file);

    s.putItem(A, item("lost"), 20);
    const batch = s.durable();
    // a batch larger than SQLite's page cache (16 MB with better-sqlite3) spills to the WAL before its commit; on a
    // full disk that fails with SQLITE_FULL and SQLite rolls back the transaction, the writes before it included
    const huge = "y".repeat(500_000);
    let written = 0;
    expect(() => {
      for (; written < 100; written++) s.putItem(A, item(`huge${written}`, huge), 1000);
    }).toThrow(/SQLITE_FULL/);
    expect(written).toBeGreaterThan(10);
    expect(rolledBack).toBeDefined(); // before the failed call returned: later writes of the turn start afresh
    expect(rolledBack![0]).toEqual([A]);
    expect(rolledBack![1].nodes.map((n) => n.items.map((i) => i.id))).toEqual([["committed"]]);
    await expect(batch).rejects.toThrow(StoreUnavailable);
    await expect(idle).resolves.toBeUndefined();
    await expect(s.durable()).resolves.toBeUndefined();
    expect(ids(other(file))).toEqual([`${A}/committed`]);
  });

  it(
    "hands onRollback what memory held at the batch's first write " +
      "when the disk cannot be read after a failed commit",
    async () => {
      const file = mount("ext4");
      const s = open(file);
      s.createNode(A, CONFIG);
      s.putItem(A, item("committed"), 20);
      await s.durable();
      const remembered = (name: string): StoredState => ({
        nodes: [{ name, config: CONFIG, affiliations: new Map(), items: [item(`as remembered by ${name}`)] }],
        subscriptions: [],
      });
      s.rememberFrom!(remembered);
      let rolledBack: [string[], StoredState] | undefined;
      s.onRollback((names, fresh) => {
        rolledBack = [names, fresh];
      });

      s.putItem(A, item("lost"), 20);
      s.atomically(() => {
        s.createNode(B, CONFIG);
        s.putItem(B, item("lost too"), 20);
      });
      // EXT4_IOC_SHUTDOWN, as in faults-storage.test.ts: every later write and read of the file system fails
      execFileSync("python3", [
        "-c",
        "import fcntl,os,struct,sys; fd=os.open(sys.argv[1], os.O_RDONLY); " +
          "fcntl.ioctl(fd, 0x8004587D, struct.pack('I', 2))",
        join(file, "../.."),
      ]);
      await expect(s.durable()).rejects.toThrow(StoreUnavailable);
      expect(rolledBack).toEqual([
        [A, B],
        { nodes: [...remembered(A).nodes, ...remembered(B).nodes], subscriptions: [] },
      ]);
    },
  );
});
