// A real two-node ejabberd cluster (issue 22, test/support/ejabberd-cluster.ts) and one shared PostgreSQL, started
// once for both suites (a cluster takes about 13 s to start and stop): first cross-node delivery and reads with an
// in-process instance next to each node (test/support/cluster-nodes-routing.ts), then real processes as an operator
// runs them: an instance killed, a node lost, the node back (test/support/cluster-nodes-faults.ts).
import { twoNodeCluster } from "../support/cluster-fixture.ts";
import { faultsSuite } from "../support/cluster-nodes-faults.ts";
import { routingSuite } from "../support/cluster-nodes-routing.ts";

const fixture = twoNodeCluster();
routingSuite(fixture);
faultsSuite(fixture);
