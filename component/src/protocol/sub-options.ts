// XEP-0060 §6.3 subscription options: the pubsub#subscribe_options form the service sends (§6.3.2), one row per
// field it offers. Submitted forms are read by core/sub-options.ts, which gives each field's value here. Browser-safe.
import type { Element } from "@xmpp/xml";
import type { SubscriptionOptions } from "../core/model.ts";
import { optionsValues, SUBSCRIBE_OPTIONS } from "../core/sub-options.ts";
import { buildForm } from "./forms.ts";

export const SUBSCRIPTION_OPTION_FIELDS = [
  { var: "pubsub#deliver", type: "boolean", label: "Enable delivery?" },
  { var: "pubsub#digest", type: "boolean", label: "Receive digest notifications (approx. one per period)?" },
  {
    var: "pubsub#digest_frequency",
    type: "text-single",
    label: "The minimum number of milliseconds between two digests (0: one per delivery turn)",
  },
  {
    var: "geo#bbox",
    type: "text-single",
    label:
      "Only publishers inside south,west,north,east (degrees; west > east crosses the antimeridian; empty: everywhere)",
  },
] as const;

/** §6.3.2: the options form with the subscription's current values. */
export function subscriptionOptionsForm(o: SubscriptionOptions): Element {
  const v = optionsValues(o);
  return buildForm(
    "form",
    SUBSCRIBE_OPTIONS,
    SUBSCRIPTION_OPTION_FIELDS.map((f) => ({ ...f, value: v[f.var] })),
  );
}
