// A private nginx for the deployment test: prosody/nginx-map.conf rendered for free 127.0.0.1 ports, a test
// certificate and a build folder, inside a main config of its own (own prefix, pid, logs, temp paths), run in the
// foreground and stopped by its PID. Fails loudly when nginx is missing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { portInUse } from "../../prosody/server.ts";

export const NGINX = "/usr/sbin/nginx";
const EXAMPLE = fileURLToPath(new URL("../../prosody/nginx-map.conf", import.meta.url));

export interface SiteOptions {
  httpsPort: number;
  httpPort: number;
  prosodyHttpPort: number;
  root: string;
  cert: string;
  key: string;
}

/** The example with this machine's values; every replaced line must be in the example (they stay in step). */
export function renderSite(o: SiteOptions): string {
  let conf = readFileSync(EXAMPLE, "utf8");
  const swap = (from: string, to: string) => {
    if (!conf.includes(from))
      throw new Error(`prosody/nginx-map.conf no longer has ${JSON.stringify(from)}: update test/support/nginx.ts`);
    conf = conf.split(from).join(to);
  };
  swap("listen 443 ssl http2;", `listen 127.0.0.1:${o.httpsPort} ssl http2;`);
  swap("listen 80;", `listen 127.0.0.1:${o.httpPort};`);
  swap("server_name example.org;", "server_name 127.0.0.1;");
  swap("/etc/ssl/example.org/fullchain.pem", o.cert);
  swap("/etc/ssl/example.org/privkey.pem", o.key);
  swap("root /var/www/geo-map;", `root ${o.root};`);
  swap("http://127.0.0.1:5280/xmpp-websocket", `http://127.0.0.1:${o.prosodyHttpPort}/xmpp-websocket`);
  return conf;
}

/** A self-signed certificate for 127.0.0.1 (openssl). */
export function testCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem"),
    key = join(dir, "key.pem");
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key };
}

export interface Nginx {
  pid: number;
  stop(): Promise<void>;
}

export async function startNginx(dir: string, site: string): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: apt-get install -y nginx`);
  for (const d of ["logs", "tmp"]) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, "site.conf"), site);
  const t = join(dir, "tmp");
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
master_process off;
user root;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs/error.log")} warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  types { application/json json; }
  default_type application/octet-stream;
  access_log ${join(dir, "logs/access.log")};
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  include ${join(dir, "site.conf")};
}
`,
  );
  const check = spawnSync(NGINX, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`nginx -t refused the config: ${check.stderr}`);
  const proc = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const port = Number(/listen 127\.0\.0\.1:(\d+) ssl/.exec(site)![1]);
  const deadline = Date.now() + 10_000;
  while (!(await portInUse(port))) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`nginx did not listen on ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50)); // polling a port another process opens: no event to wait for
  }
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
