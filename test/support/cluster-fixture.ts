// A test file's two-node ejabberd cluster (./ejabberd-cluster.ts) and one PostgreSQL: started before its tests,
// stopped after them with every client its `user` connected.
import { afterAll, beforeAll } from "vitest";
import { ejabberdUser } from "./cluster.ts";
import type { TestClient } from "./client.ts";
import { startEjabberdCluster, type EjabberdCluster } from "./ejabberd-cluster.ts";
import { startPostgres, type Postgres } from "./postgres.ts";

export interface ClusterFixture {
  readonly pgs: Postgres;
  readonly cluster: EjabberdCluster;
  /** a user logged in to node 0 or 1 of the cluster */
  user(node: 0 | 1, name: string): Promise<TestClient>;
  /** a client connected otherwise, stopped with the others after the file's tests */
  adopt(client: TestClient): TestClient;
}

export function twoNodeCluster(): ClusterFixture {
  let pgs: Postgres | undefined, cluster: EjabberdCluster | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    [pgs, cluster] = await Promise.all([startPostgres(), startEjabberdCluster(2, { componentNumber: 2 })]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await cluster?.stop();
    await pgs?.stop();
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error("the cluster is not started yet (use it inside a test or a hook)");
    return x;
  };
  return {
    get pgs() {
      return started(pgs);
    },
    get cluster() {
      return started(cluster);
    },
    async user(node, name) {
      const c = await ejabberdUser(started(cluster).nodes[node], name);
      clients.push(c);
      return c;
    },
    adopt(client) {
      clients.push(client);
      return client;
    },
  };
}
