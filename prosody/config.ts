// Renders a Prosody config for a private, loopback-only instance (demo and tests).
// Facts behind each option: component/PLATFORM.md ("Prosody").

export interface ProsodyConfigOptions {
  dataDir: string; // data_path, pidfile and log live here
  c2sPort: number;
  componentPort: number;
  httpPort: number;
  domain: string; // the user VirtualHost, e.g. "localhost"
  component: string; // the service JID, e.g. "geo.localhost"
  componentSecret: string;
  /** Extra Lua appended inside the VirtualHost section (e.g. privileged_entities). */
  virtualHostExtra?: string;
  /**
   * Mirror mode (off by default): load mod_privilege (Debian's prosody-modules, XEP-0356 `urn:xmpp:privilege:2`) and
   * grant the component the IQ permission on the pubsub namespace (write to users' PEP nodes) and the presence
   * permission (every user's presence without subscriptions).
   */
  mirror?: boolean;
  /**
   * Serve this folder (the built map, `npm run map:build`) at http://<host>:<httpPort>/ with Prosody 0.12's
   * mod_http_files, on the same origin as its WebSocket (/xmpp-websocket). Example: prosody/deploy.cfg.lua.
   */
  httpFilesDir?: string;
  /** Keep Prosody's own GC parameters instead of `GC_TUNING` (the bench measures both). */
  prosodyGc?: boolean;
  /**
   * network_settings.read_size in bytes (Prosody's default 8192); the bench's figure 10 measures 8 KiB against
   * 256 KiB
   */
  readSize?: number;
}

/**
 * Lua 5.4's stock incremental collector (a cycle when the heap has doubled, collecting as fast as allocating) in
 * place of Prosody 0.12's defaults (threshold 105, speed 500: a cycle after every 5% of growth). Every stanza Prosody
 * parses or builds is garbage at once, so with its defaults about a third of its core or more goes to collecting:
 * the bench's figure 3 ceiling rows measure both settings (1.5-2x the component notifications per second with this
 * line in the bench's runs, 2-2.3x in throwaway runs; a few MB more heap). https://prosody.im/doc/advanced_gc
 */
export const GC_TUNING = `gc = { mode = "incremental", threshold = 200, speed = 100 }`;

/** XEP-0356 grants for the component, inside the VirtualHost section (mod_privilege reads them per host). */
export function privilegedEntities(component: string): string {
  return `  privileged_entities = {
    [${lua(component)}] = {
      presence = "managed_entity";
      iq = { ["http://jabber.org/protocol/pubsub"] = "set" };
    };
  }`;
}

const lua = (s: string) => JSON.stringify(s); // a JSON string is a valid Lua string literal for our inputs

export function prosodyConfig(o: ProsodyConfigOptions): string {
  const extraModules = (o.mirror ? ` "privilege";` : "") + (o.httpFilesDir ? ` "http_files";` : "");
  const network = [o.mirror ? "nagle = false" : "", o.readSize ? `read_size = ${o.readSize}` : ""].filter(Boolean);
  return `-- generated for a private loopback instance; do not use for a deployment (see prosody/deploy.cfg.lua)
run_as_root = true
daemonize = false
data_path = ${lua(o.dataDir)}
pidfile = ${lua(`${o.dataDir}/prosody.pid`)}
log = { { levels = { min = "info" }, to = "file", filename = ${lua(`${o.dataDir}/prosody.log`)} } }
${o.prosodyGc ? "-- Prosody's default GC parameters" : GC_TUNING}

interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
component_interfaces = { "127.0.0.1" }
http_interfaces = { "127.0.0.1" }
c2s_ports = { ${o.c2sPort} }
component_ports = { ${o.componentPort} }
http_ports = { ${o.httpPort} }
https_ports = {}
c2s_direct_tls_ports = {}
s2s_ports = {}

modules_enabled = {
  "roster"; "saslauth"; "disco"; "presence"; "message"; "iq";
  "pep"; "ping"; "register"; "websocket"; "http"; "posix"; "uptime";${extraModules}
}
modules_disabled = { "s2s", "tls", "offline" }

-- Loopback only: plain auth over an unencrypted local socket is acceptable here, never in a deployment.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
cross_domain_websocket = true
allow_registration = true
min_seconds_between_registrations = 0
registration_throttle_max = 0
authentication = "internal_hashed"
storage = "internal"
limits = {}
${
  o.mirror
    ? `-- Mirror mode: each fix costs Prosody one more answer to the component (the privileged IQ's result), which the
-- component does not answer; with Nagle on, Prosody's next small write waits for the delayed ACK (~40 ms per fix).
`
    : ""
}${
    o.mirror || o.readSize
      ? `network_settings = { ${network.join("; ")} }
`
      : ""
  }http_default_host = ${lua(o.domain)}
${
  o.httpFilesDir
    ? `http_files_dir = ${lua(o.httpFilesDir)}
http_paths = { files = "/" } -- the map at the root; mod_websocket keeps /xmpp-websocket
`
    : ""
}
VirtualHost ${lua(o.domain)}
${o.mirror ? privilegedEntities(o.component) : ""}
${o.virtualHostExtra ?? ""}

Component ${lua(o.component)}
  component_secret = ${lua(o.componentSecret)}
${
  o.mirror
    ? `  -- mod_privilege must run on the component host too: it hooks component-authenticated there to advertise
  -- the grants (XEP-0356 §4.2) configured under the VirtualHost
  modules_enabled = { "privilege" }
`
    : ""
}`;
}
