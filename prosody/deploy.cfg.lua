-- Deployment example: the parts of a production prosody.cfg.lua that the geolocation presence service needs.
-- Merge these into your existing configuration; everything else (storage, logging, modules) stays yours.

-- Users connect with TLS; never allow plain authentication over an unencrypted connection.
c2s_require_encryption = true
allow_unencrypted_plain_auth = false

-- The component port listens on loopback only: the service runs on the same machine (or reach it over a private
-- network with component_interfaces set to that address, never a public one).
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- For the web map: XMPP over WebSocket (wss:// behind your TLS terminator or https_ports).
modules_enabled = {
  -- ... your modules ...
  "websocket";
}

VirtualHost "example.org"
  ssl = { certificate = "/etc/prosody/certs/example.org.crt"; key = "/etc/prosody/certs/example.org.key"; }

-- The service. Its JID is what users publish to and what GEO_DOMAIN must be.
Component "geo.example.org"
  -- The secret is never written in this file: Prosody reads it from its environment (ENV_X = os.getenv("X") in
  -- Prosody's config), the same GEO_SECRET the component gets. Generate one (`openssl rand -hex 32`) into a file
  -- only root can read, e.g. /etc/prosody/geo.env with `GEO_SECRET=...` (mode 0600), and give it to both services
  -- (systemd: EnvironmentFile=/etc/prosody/geo.env). Unset, there is no secret and Prosody refuses the component.
  component_secret = ENV_GEO_SECRET

-- Then start the component next to Prosody:
--   set -a; . /etc/prosody/geo.env; set +a
--   GEO_DOMAIN=geo.example.org GEO_DOMAINS=example.org GEO_DB=/var/lib/geo/geo.sqlite npm run component
