// A private ejabberd for tests and benchmarks: own config, spool and log in a temp dir, loopback only, a direct
// child process (the Erlang VM: /usr/bin/erl execs into beam.smp, so the PID we hold is the VM's) stopped by PID.
// No epmd: distribution is told its port (-erl_epmd_port) and binds 127.0.0.1; HOME is the temp dir, so the Erlang
// cookie is private. Runs as Debian's `ejabberd` user (spawn's uid/gid, no su wrapper in between).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, portInUse } from "../../prosody/server.ts";

export const EJABBERD_INSTALL = "apt-get update && apt-get install -y ejabberd && service ejabberd stop";
const ERL_LIBS = "/usr/lib/x86_64-linux-gnu";

export interface EjabberdOptions {
  /** domain_balancing component_number for the component domain (2-1000); undefined: no domain_balancing */
  componentNumber?: number;
  /** domain_balancing type (default bare_source) */
  balancing?: "bare_source" | "source" | "destination" | "bare_destination" | "random";
  /** extra component listeners, each its own port, `global_routes: false` (a private subdomain per instance) */
  privateComponents?: string[];
  domain?: string;
  component?: string;
  /** a node of a cluster (test/support/ejabberd-cluster.ts); default: a lone node named geo<port>@localhost */
  node?: EjabberdNode;
  /** start again what `kill()` stopped: same directory (spool, config), ports and secret */
  again?: Ejabberd;
}

/**
 * An Erlang node of a cluster. No epmd: every node of the cluster listens for distribution on the same port, each
 * on its own loopback address (127.0.0.N), and its name's host is that address (long names), so a node finds
 * another by its name alone. `home` holds the cluster's one private cookie (HOME of every node and of ejabberdctl).
 */
export interface EjabberdNode {
  name: string;
  address: string;
  distPort: number;
  home: string;
  secret: string;
}

export interface Ejabberd {
  domain: string;
  component: string;
  componentSecret: string;
  c2sPort: number;
  componentPort: number;
  /** xmpp://127.0.0.1:<c2s> */
  c2sService: string;
  /** xmpp://127.0.0.1:<component listener> */
  componentService: string;
  /** private subdomain -> xmpp://127.0.0.1:<its listener> (same secret) */
  privateServices: Record<string, string>;
  pid: number;
  dir: string;
  /** the Erlang node name and its distribution port (no epmd) */
  nodeName: string;
  distPort: number;
  options: EjabberdOptions;
  log(): string;
  /** stops the VM and removes its directory */
  stop(): Promise<void>;
  /** stops the VM (SIGTERM: ejabberd's orderly stop; SIGKILL: a crash) and keeps its directory for `again` */
  kill(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** runs `ejabberdctl` against this node as the ejabberd user; rejects with its output on a non-zero exit */
  ctl(...args: string[]): Promise<string>;
}

function userIds(name: string): { uid: number; gid: number } {
  const u = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (u.status !== 0 || g.status !== 0)
    throw new Error(`no system user "${name}": is ejabberd installed? Install it with: ${EJABBERD_INSTALL}`);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

const q = (s: string) => JSON.stringify(s); // YAML accepts JSON strings

export function ejabberdConfig(o: {
  domain: string;
  component: string;
  secret: string;
  c2sPort: number;
  componentPort: number;
  privatePorts: Record<string, number>;
  componentNumber?: number;
  balancing: string;
}): string {
  const privates = Object.entries(o.privatePorts)
    .map(
      ([host, port]) => `
  - port: ${port}
    ip: "127.0.0.1"
    module: ejabberd_service
    global_routes: false
    hosts:
      ${q(host)}:
        password: ${q(o.secret)}`,
    )
    .join("");
  return `# generated for a test: loopback only, plain passwords, open registration (TESTS ONLY)
hosts:
  - ${q(o.domain)}
loglevel: warning
log_rotate_count: 0
registration_timeout: infinity
listen:
  - port: ${o.c2sPort}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: false
  - port: ${o.componentPort}
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      ${q(o.component)}:
        password: ${q(o.secret)}${privates}
auth_method: internal
auth_password_format: plain
acl:
  local:
    user_regexp: ""
access_rules:
  register:
    allow: all
  local:
    allow: local
${
  o.componentNumber
    ? `domain_balancing:
  ${q(o.component)}:
    type: ${o.balancing}
    component_number: ${o.componentNumber}
`
    : ""
}modules:
  mod_disco: {}
  mod_last: {}
  mod_ping: {}
  mod_caps: {}
  mod_roster: {}
  mod_register:
    ip_access: all
    access: register
  mod_pubsub:
    plugins: [flat, pep]
`;
}

export async function startEjabberd(opts: EjabberdOptions = {}): Promise<Ejabberd> {
  if (!existsSync("/usr/bin/erl") || !existsSync(join(ERL_LIBS, "ejabberd-23.01"))) {
    throw new Error(
      `ejabberd 23.01 is not installed (${ERL_LIBS}/ejabberd-23.01 missing). Install it with: ${EJABBERD_INSTALL}`,
    );
  }
  const ids = userIds("ejabberd");
  const again = opts.again;
  const dir = again?.dir ?? mkdtempSync(join(tmpdir(), "geo-ejd-"));
  for (const d of ["spool", "logs"]) if (!existsSync(join(dir, d))) mkdirSync(join(dir, d));
  const domain = again?.domain ?? opts.domain ?? "localhost";
  const component = again?.component ?? opts.component ?? `geo.${domain}`;
  const secret = again?.componentSecret ?? opts.node?.secret ?? `test-${Math.random().toString(36).slice(2)}`;
  const c2sPort = again?.c2sPort ?? (await freePort());
  const componentPort = again?.componentPort ?? (await freePort());
  const privatePorts: Record<string, number> = {};
  for (const h of opts.privateComponents ?? [])
    privatePorts[h] = again ? Number(again.privateServices[h].split(":").at(-1)) : await freePort();
  const node = opts.node;
  const distPort = again?.distPort ?? node?.distPort ?? (await freePort());
  const nodeName = again?.nodeName ?? node?.name ?? `geo${c2sPort}@localhost`;
  const home = node?.home ?? dir;
  const cfg = join(dir, "ejabberd.yml");
  writeFileSync(join(dir, "inetrc"), "%% ejabberdctl points ERL_INETRC here; nothing to configure\n");
  writeFileSync(
    cfg,
    ejabberdConfig({
      domain,
      component,
      secret,
      c2sPort,
      componentPort,
      privatePorts,
      componentNumber: opts.componentNumber,
      balancing: opts.balancing ?? "bare_source",
    }),
  );
  for (const p of [dir, join(dir, "spool"), join(dir, "logs"), cfg, join(dir, "inetrc")])
    chownSync(p, ids.uid, ids.gid);
  const logFile = join(dir, "logs", "ejabberd.log");
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    EJABBERD_CONFIG_PATH: cfg,
    EJABBERD_LOG_PATH: logFile,
    ERL_LIBS,
    LANG: "C.UTF-8",
  };
  const proc: ChildProcess = spawn(
    "/usr/bin/erl",
    [
      node ? "-name" : "-sname",
      nodeName,
      "+K",
      "true",
      "-erl_epmd_port",
      String(distPort),
      "-start_epmd",
      "false",
      "-kernel",
      "inet_dist_use_interface",
      `{${(node?.address ?? "127.0.0.1").replace(/\./g, ",")}}`,
      "-mnesia",
      "dir",
      `"${join(dir, "spool")}"`,
      "-s",
      "ejabberd",
      "-noinput",
    ],
    { ...ids, cwd: dir, stdio: ["ignore", "pipe", "pipe"], env },
  );
  let out = "";
  proc.stdout!.on("data", (d) => {
    out += d;
  });
  proc.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "") + out;
  const kill = async (signal: "SIGTERM" | "SIGKILL") => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill(signal); // SIGTERM: the VM stops ejabberd (init:stop) and exits; erl_child_setup exits with it
      const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  // ejabberdctl as an operator runs it: its own hidden Erlang node that connects to this one (-dist_listen false:
  // it listens on nothing), with this node's config dir, spool and the cluster's cookie
  const ctl = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const c = spawn(
        "/usr/sbin/ejabberdctl",
        ["--config-dir", dir, "--spool", join(dir, "spool"), "--logs", join(dir, "logs"), "--node", nodeName, ...args],
        { ...ids, cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...env, ERL_DIST_PORT: String(distPort) } },
      );
      let text = "";
      c.stdout!.on("data", (d) => {
        text += d;
      });
      c.stderr!.on("data", (d) => {
        text += d;
      });
      c.once("exit", (code) =>
        code === 0
          ? resolve(text)
          : reject(new Error(`ejabberdctl ${args.join(" ")} (${nodeName}) exited ${code}:\n${text.slice(0, 1500)}`)),
      );
    });
  // ready = every listener accepts connections (ejabberd opens them once its applications have started)
  const ports = [c2sPort, componentPort, ...Object.values(privatePorts)];
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(
        `ejabberd exited (${proc.exitCode ?? proc.signalCode}) before it listened:\n${log().slice(-3000)}`,
      );
    }
    if ((await Promise.all(ports.map(portInUse))).every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ejabberd did not listen on ${ports.join(", ")} within 30 s:\n${log().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100)); // polling ports another process opens: no event to wait for
  }
  return {
    domain,
    component,
    componentSecret: secret,
    c2sPort,
    componentPort,
    pid: proc.pid!,
    dir,
    nodeName,
    distPort,
    log,
    stop,
    kill,
    ctl,
    options: { ...opts, again: undefined },
    c2sService: `xmpp://127.0.0.1:${c2sPort}`,
    componentService: `xmpp://127.0.0.1:${componentPort}`,
    privateServices: Object.fromEntries(Object.entries(privatePorts).map(([h, p]) => [h, `xmpp://127.0.0.1:${p}`])),
  };
}
