// A private ejabberd cluster on this machine (issue 22): N Erlang nodes, each a private ejabberd of
// test/support/ejabberd.ts with its own config, spool, logs and listeners, joined with `ejabberdctl join_cluster`
// as an operator joins a node.
//
// Why not network namespaces: ejabberd's distribution only needs the nodes to reach one another by name, and
// Erlang can do without epmd when every node listens on the same distribution port. So each node gets its own
// loopback address for distribution (127.0.0.1, 127.0.0.2, ...: all of 127/8 is loopback on Linux), all use one
// free port, and the node names carry the address (ejd1@127.0.0.1). No root-only set-up, nothing to clean up in the
// kernel, no epmd on 4369 to conflict with another ejabberd; c2s and component listeners stay on 127.0.0.1.
// The cookie is the cluster's own, in a private HOME shared by the nodes and ejabberdctl.
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort } from "../../prosody/server.ts";
import { startEjabberd, type Ejabberd, type EjabberdOptions } from "./ejabberd.ts";

export interface EjabberdCluster {
  /** node i (0-based); replaced by `restart(i)` */
  nodes: Ejabberd[];
  /** the Erlang node names ejabberd reports as running in the cluster (`ejabberdctl list_cluster` on node `via`) */
  running(via?: number): Promise<string[]>;
  /** stops node i (SIGTERM: orderly stop; SIGKILL: a crash), keeping its spool */
  down(i: number, signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** starts node i again from its spool: mnesia finds the other nodes in its schema and the node rejoins */
  up(i: number): Promise<Ejabberd>;
  stop(): Promise<void>;
}

function freeOn(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, address, () => s.close(() => resolve(true)));
  });
}

export async function startEjabberdCluster(
  count: number,
  opts: Omit<EjabberdOptions, "node" | "again"> = {},
): Promise<EjabberdCluster> {
  const home = mkdtempSync(join(tmpdir(), "geo-ejd-cluster-"));
  const ids = {
    uid: Number(spawnSync("id", ["-u", "ejabberd"], { encoding: "utf8" }).stdout),
    gid: Number(spawnSync("id", ["-g", "ejabberd"], { encoding: "utf8" }).stdout),
  };
  const cookie = join(home, ".erlang.cookie");
  writeFileSync(cookie, randomBytes(16).toString("hex"), { mode: 0o400 });
  chownSync(home, ids.uid, ids.gid);
  chownSync(cookie, ids.uid, ids.gid);
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  let distPort = 0;
  for (let tries = 0; !distPort && tries < 20; tries++) {
    const p = await freePort();
    if ((await Promise.all(addresses.map((a) => freeOn(a, p)))).every(Boolean)) distPort = p;
  }
  if (!distPort) throw new Error(`no port free on ${addresses.join(", ")}`);
  const secret = `test-${randomBytes(6).toString("hex")}`;
  const nodes: Ejabberd[] = [];
  const stopAll = async () => {
    for (const n of nodes) await n.stop().catch(() => {});
    rmSync(home, { recursive: true, force: true });
  };
  try {
    // one after another: node 1 creates the schema, the others join it
    for (const [i, address] of addresses.entries()) {
      nodes.push(
        await startEjabberd({ ...opts, node: { name: `ejd${i + 1}@${address}`, address, distPort, home, secret } }),
      );
    }
    // listeners open before ejabberd's application has finished starting; join_cluster restarts that application,
    // and doing so mid-start fails ({not_started,sasl}): wait for `started` (ejabberdctl status says running)
    await Promise.all(nodes.map((n) => n.ctl("started")));
    for (const n of nodes.slice(1)) {
      // join_cluster stops ejabberd on the joining node, copies the tables from node 1, starts ejabberd again
      await n.ctl("join_cluster", nodes[0].nodeName);
      await n.ctl("started");
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const running = async (via = 0) => {
    const out = await nodes[via].ctl("list_cluster");
    return out
      .split(/\s+/)
      .map((s) => s.replace(/^'|'$/g, ""))
      .filter(Boolean)
      .sort();
  };
  const want = nodes
    .map((n) => n.nodeName)
    .sort()
    .join(" ");
  const got = (await running()).join(" ");
  if (got !== want) {
    await stopAll();
    throw new Error(`the cluster has ${got}, expected ${want}`);
  }
  return {
    nodes,
    running,
    down: (i, signal = "SIGTERM") => nodes[i].kill(signal),
    async up(i) {
      const old = nodes[i];
      nodes[i] = await startEjabberd({ ...old.options, again: old });
      await nodes[i].ctl("started");
      return nodes[i];
    },
    stop: stopAll,
  };
}
