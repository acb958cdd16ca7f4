// XEP-0060 §6.3 subscription options: the fields of pubsub#subscribe_options the service offers, read from a
// submitted form (var -> value) into values, and back. Pure.
import { formatBBox, parseBBox } from "./area.ts";
import { fail, ok, type Result } from "./errors.ts";
import type { Subscription, SubscriptionOptions } from "./model.ts";

export const SUBSCRIBE_OPTIONS = "http://jabber.org/protocol/pubsub#subscribe_options";
/** a digest with no pubsub#digest_frequency given: one per second */
export const DEFAULT_DIGEST_FREQUENCY = 1000;
/** a day: XEP-0060 §6.3 gives no bound; longer periods would hold changes back for no use */
export const MAX_DIGEST_FREQUENCY = 86_400_000;

export const DEFAULT_OPTIONS: SubscriptionOptions = {
  deliver: true,
  digest: false,
  digestFrequency: DEFAULT_DIGEST_FREQUENCY,
};

export const optionsOf = (s: Subscription): SubscriptionOptions => s.options ?? DEFAULT_OPTIONS;

/** XEP-0004 §3.3 boolean */
function readBoolean(v: string): boolean | undefined {
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  return undefined;
}

/**
 * The options after applying a submitted form to `current`. XEP-0060 §6.3.7 / component/PROTOCOL.md: a field the
 * service does not offer is refused with not-acceptable; a malformed value with bad-request + invalid-options
 * (§6.3.5). Nothing is applied on an error.
 */
export function applyOptionsForm(
  current: SubscriptionOptions,
  form: Record<string, string>,
): Result<SubscriptionOptions> {
  if (form.FORM_TYPE !== undefined && form.FORM_TYPE !== SUBSCRIBE_OPTIONS)
    return fail("bad-request", "invalid-options", `FORM_TYPE must be ${SUBSCRIBE_OPTIONS}`);
  const next: SubscriptionOptions = { ...current };
  for (const [name, value] of Object.entries(form)) {
    switch (name) {
      case "FORM_TYPE":
        break;
      case "pubsub#deliver":
      case "pubsub#digest": {
        const b = readBoolean(value);
        if (b === undefined)
          return fail("bad-request", "invalid-options", `${name} is a boolean (true, false, 1 or 0)`);
        if (name === "pubsub#deliver") next.deliver = b;
        else next.digest = b;
        break;
      }
      case "pubsub#digest_frequency": {
        const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
        if (!(n <= MAX_DIGEST_FREQUENCY))
          return fail(
            "bad-request",
            "invalid-options",
            `pubsub#digest_frequency is a whole number of milliseconds from 0 to ${MAX_DIGEST_FREQUENCY}`,
          );
        next.digestFrequency = n;
        break;
      }
      case "geo#bbox": {
        const box = parseBBox(value);
        if (!box.ok) return box;
        if (box.value) next.area = box.value;
        else delete next.area;
        break;
      }
      default:
        return fail("not-acceptable", undefined, `subscription option ${name} is not supported`);
    }
  }
  return ok(next);
}

/** The options as form values (§6.3.2: the form shows the current values). */
export function optionsValues(o: SubscriptionOptions): Record<string, string> {
  return {
    "pubsub#deliver": String(o.deliver),
    "pubsub#digest": String(o.digest),
    "pubsub#digest_frequency": String(o.digestFrequency),
    "geo#bbox": formatBBox(o.area),
  };
}

/** undefined for the defaults (stored as NULL), the options otherwise. */
export const storedOptions = (o: SubscriptionOptions): SubscriptionOptions | undefined =>
  o.deliver === DEFAULT_OPTIONS.deliver &&
  o.digest === DEFAULT_OPTIONS.digest &&
  o.digestFrequency === DEFAULT_OPTIONS.digestFrequency &&
  !o.area
    ? undefined
    : o;

/** XEP-0060 §6.3.7: geo#bbox is an option of `locations` and `presence` only */
export const areaAllowed = (node: string, o: SubscriptionOptions): boolean =>
  !o.area || node === "locations" || node === "presence";
