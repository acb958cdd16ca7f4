// The SQLite store's group commit (store/sqlite-batch.ts) on real SQLite files: what a second connection sees, the
// commit records in the WAL, a lock held by another connection, close() and the erasure of deleted items. Real disk
// failures: store-sqlite-failures.test.ts. The behaviours every store shares: test/integration/store-contract.test.ts.
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { StoreUnavailable } from "../../component/src/core/store.ts";
import { openSqliteStore } from "../../component/src/store/sqlite.ts";
import { A, cleanUp, commitsInWal, CONFIG, ids, item, open, other, tempFile } from "../support/sqlite-files.ts";
import { withWrites } from "../support/store-writes.ts";

afterEach(cleanUp);

describe("the SQLite store's group commit", () => {
  it("commits the writes of one turn in one transaction, visible to others once commit() resolves", async () => {
    const file = tempFile();
    const s = open(file);
    const reader = other(file);
    await s.durable(); // nothing pending
    const before = commitsInWal(file); // the schema's
    s.createNode(A, CONFIG);
    for (let i = 0; i < 10; i++) s.putItem(A, item(`i${i}`), 20);
    expect(ids(reader)).toEqual([]);
    expect(commitsInWal(file)).toBe(before);
    await s.durable();
    expect(ids(reader)).toHaveLength(10);
    expect(commitsInWal(file)).toBe(before + 1);
  });

  it("a failed statement leaves the batch's other writes", async () => {
    const file = tempFile();
    const s = open(file);
    const before = commitsInWal(file);
    s.createNode(A, CONFIG);
    s.putItem(A, item("kept1"), 20);
    // no such node (foreign key)
    expect(() => s.putItem("nobody@localhost", item("orphan"), 20)).toThrow(StoreUnavailable);
    // all or nothing: the first write of a failed atomically() goes too
    expect(() =>
      s.atomically(() => {
        s.putItem(A, item("undone"), 20);
        s.createNode(A, CONFIG);
      }),
    ).toThrow(StoreUnavailable);
    expect(() =>
      s.atomically(() => {
        s.putItem(A, item("undone too"), 20);
        s.createNode(A, CONFIG);
      }),
    ).toThrow(StoreUnavailable);
    s.putItem(A, item("kept2"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/kept1`, `${A}/kept2`]);
    expect(commitsInWal(file)).toBe(before + 1);
  });

  it("a locked database fails only the writes tried while it is locked, after the busy timeout", async () => {
    const file = tempFile();
    const s = open(file, 50);
    s.createNode(A, CONFIG);
    await s.durable();
    const locker = other(file);
    locker.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    expect(() => s.putItem(A, item("locked"), 20)).toThrow(/SQLITE_BUSY/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    locker.exec("INSERT INTO subscriptions (node, jid, subid) VALUES ('locations', 'v@localhost', 's')");
    locker.exec("COMMIT");
    // the same turn: the lock is free again, and the other connection's commit is no obstacle
    s.putItem(A, item("free"), 20);
    await s.durable();
    expect(ids(other(file))).toEqual([`${A}/free`]);
  });

  it("close() commits what is pending", () => {
    const file = tempFile();
    const s = withWrites(openSqliteStore(file));
    s.createNode(A, CONFIG);
    s.putItem(A, item("last words"), 20);
    s.close();
    expect(ids(other(file))).toEqual([`${A}/last words`]);
  });

  it("erases deleted items from the database file and the WAL once the batch is committed", async () => {
    const file = tempFile();
    const s = open(file);
    const secret = "52.520008,13.404954-secret";
    s.createNode(A, CONFIG);
    s.putItem(A, item("home", secret), 20);
    s.putItem(A, item("work"), 20);
    await s.durable();
    const onDisk = () => [file, `${file}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(secret));
    expect(onDisk()).toBe(true);
    s.deleteItems(A, ["home"]);
    await s.durable();
    expect(onDisk()).toBe(false);
    expect(ids(other(file))).toEqual([`${A}/work`]);
  });
});
