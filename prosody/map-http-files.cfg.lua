-- Deployment example: Prosody serving the live map itself (npm run map:build's output) with mod_http_files, on the
-- same origin as its WebSocket. Merge into prosody.cfg.lua next to prosody/deploy.cfg.lua's parts.
-- Build with config.json's "websocket": "" (= this origin):
--   npm run map:build -- --out /var/www/geo-map --config my.json
-- test/e2e/map-flow.test.ts runs the same options (prosody/config.ts, httpFilesDir).

modules_enabled = {
  -- ... your modules ...
  "websocket";
  "http_files";
}
http_files_dir = "/var/www/geo-map"
http_paths = { files = "/" }   -- the map at the root; mod_websocket stays at /xmpp-websocket
https_ports = { 5281 }         -- https:// and wss:// with the VirtualHost's certificate
-- http_index_files = { "index.html" } is the default
