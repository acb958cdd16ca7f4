-- Deployment example: the parts of a production prosody.cfg.lua that the geolocation presence service needs.
-- Merge these into your existing configuration; everything else (storage, logging, modules) stays yours.

-- Users connect with TLS; never allow plain authentication over an unencrypted connection.
c2s_require_encryption = true
allow_unencrypted_plain_auth = false

-- The component port listens on loopback only: the service runs on the same machine (or reach it over a private
-- network with component_interfaces set to that address, never a public one).
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- Recommended: Lua 5.4's own incremental GC parameters instead of Prosody 0.12's (threshold 105, speed 500, a full
-- cycle after every 5% of heap growth). Every stanza Prosody routes is garbage at once, and each notification the
-- service sends is parsed, routed and serialised again by Prosody. Measured by `npm run bench -- --only 3` (figure 3's
-- ceiling rows run both settings on this machine): 1.5-2.3x the notifications per second of Prosody's core, for a
-- heap that may grow to about twice its live size between cycles. Measured with Debian 12's Prosody 0.12 on Lua 5.4;
-- the same numbers mean other things on other Lua versions (https://prosody.im/doc/advanced_gc).
-- Figure 10 (`npm run bench -- --only 10`) measures it again at the knee load with 1 s digests: Prosody spent
-- 58-82 ms of CPU per 1,000 fixes delivered with this line against 122-124 ms with Prosody's defaults (10 full-map
-- viewers, 188 publishers), 134-137 against 201-207 ms (100 area viewers over 20 cities, 219 publishers).
gc = { mode = "incremental", threshold = 200, speed = 100 }

-- Not recommended: network_settings = { read_size = 262144 } (Prosody's default 8192). At the same knee loads it
-- gave 76-78 against 58-82 ms per 1,000 fixes (full map) and 101-144 against 134-137 ms (cities), p99s within the
-- noise: no measured gain (figure 10, on a busy shared machine; the README's "The knee").

-- Mirror mode (below) only, recommended: Nagle off. Each mirrored fix gets a result from Prosody that the component
-- does not answer, so with Nagle on Prosody's next small write to it waits for the delayed ACK: measured here,
-- publish-to-viewer p50 went from ~45 ms to ~7 ms per fix with this line.
-- network_settings = { nagle = false }

-- For the web map: XMPP over WebSocket (wss:// behind your TLS terminator or https_ports).
-- "uptime" (on in Prosody's default configuration) answers XEP-0012 uptime queries. After reconnecting, the service
-- asks it whether Prosody restarted meanwhile; if so every session it knew of has ended (a crash tells it nothing),
-- and it shows them offline. Without "uptime" it assumes a restart on every reconnect.
modules_enabled = {
  -- ... your modules ...
  "websocket";
  "uptime";
}

VirtualHost "example.org"
  ssl = { certificate = "/etc/prosody/certs/example.org.crt"; key = "/etc/prosody/certs/example.org.key"; }
  -- Users who publish to their own PEP node (XEP-0163) need nothing here: "pep" is on by default. They add
  -- geo.example.org as a contact (or approve its subscription request); the service then asks for geoloc events.

  -- OPTIONAL mirror mode (off unless you add this): mod_privilege (XEP-0356, urn:xmpp:privilege:2) from Debian's
  -- prosody-modules (apt-get install prosody-modules). The service then writes every fix it accepts onto the
  -- publisher's own PEP geoloc node too, so roster contacts see it in any client, and it receives every user's
  -- presence without subscriptions. Load "privilege" here AND on the Component below.
  -- modules_enabled = { "privilege" }   -- added to the global modules_enabled for this host
  -- privileged_entities = {
  --   ["geo.example.org"] = {
  --     iq = { ["http://jabber.org/protocol/pubsub"] = "set" };  -- write to users' PEP nodes
  --     presence = "managed_entity";                             -- every user's presence (optional)
  --   };
  -- }

-- The service. Its JID is what users publish to and what GEO_DOMAIN must be.
Component "geo.example.org"
  -- The secret is never written in this file: Prosody reads it from its environment (ENV_X = os.getenv("X") in
  -- Prosody's config), the same GEO_SECRET the component gets. Generate one (`openssl rand -hex 32`) into a file
  -- only root can read, e.g. /etc/prosody/geo.env with `GEO_SECRET=...` (mode 0600), and give it to both services
  -- (systemd: EnvironmentFile=/etc/prosody/geo.env). Unset, there is no secret and Prosody refuses the component.
  component_secret = ENV_GEO_SECRET
  -- Mirror mode only: mod_privilege must also run on the component's host, where it advertises the grants above.
  -- modules_enabled = { "privilege" }

-- Then start the component next to Prosody:
--   set -a; . /etc/prosody/geo.env; set +a
--   GEO_DOMAIN=geo.example.org GEO_DOMAINS=example.org GEO_DB=/var/lib/geo/geo.sqlite npm run component
