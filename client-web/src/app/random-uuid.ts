// @xmpp/client names its user agent with crypto.randomUUID, which browsers only offer in secure contexts
// (https, localhost). Served over plain http from another host the pages would not start without this.
// Imported for its effect by each page's entry (main.ts, sharing/main.ts).
if (typeof crypto.randomUUID !== "function") {
  Object.defineProperty(crypto, "randomUUID", {
    value: () => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80; // RFC 9562 version 4
      const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  });
}
export {};
