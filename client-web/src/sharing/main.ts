// Entry of the "My sharing" page (index.html next to it): log in as the publisher, then the page. Query parameters
// as the map's: ?ws=ws://localhost:5280/xmpp-websocket&service=geo.localhost
import { client, xml } from "@xmpp/client";
import type { Element } from "@xmpp/xml";
import { SharingApi } from "./api.ts";
import { mountSharing } from "./page.ts";

const q = new URLSearchParams(location.search);
const root = document.getElementById("sharing")!;
const form = document.getElementById("login") as HTMLFormElement;

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const data = new FormData(form);
  const [local, domain] = String(data.get("jid")).toLowerCase().split("@");
  const service = q.get("service") ?? `geo.${domain}`;
  const xmpp = client({ service: q.get("ws") ?? `ws://${location.hostname}:5280/xmpp-websocket`, domain, username: local, password: String(data.get("password")), resource: "sharing" });
  xmpp.on("error", (err: Error) => { root.dataset.error = err.message; });
  xmpp.on("online", () => {
    form.hidden = true;
    const iq = async (type: "get" | "set", child: Element) => (await xmpp.iqCaller.request(xml("iq", { type, to: service }, child))).getChildElements()[0];
    void mountSharing(root, new SharingApi(iq, (el) => xmpp.send(el), service, `${local}@${domain}`));
  });
  void xmpp.start().catch((err: Error) => { root.dataset.error = err.message; });
});
