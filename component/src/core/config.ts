// Node configuration changes as the core takes them (XEP-0060 §8.2.4 configure, §7.1.5 publish-options): a
// submitted form read field by field by protocol/node-config.ts (the one table of the supported fields), so that the
// core's messages can name the fields. Pure.
import type { Result } from "./errors.ts";
import type { NodeConfig } from "./model.ts";

/** One submitted field read into the part of the configuration it sets (pubsub#itemreply sets nothing). */
export interface ConfigFieldChange {
  var: string;
  change: Partial<NodeConfig>;
}

/**
 * A submitted configuration form, read: each field's change in the form's order, or why the form is refused. The
 * operation reports a refusal after its own checks, so the order of XEP-0060's errors holds (§8.2.3 before §8.2.5).
 */
export type ConfigChange = Result<ConfigFieldChange[]>;

/** The configuration a read form sets: its fields' changes together. */
export const merged = (fields: readonly ConfigFieldChange[]): Partial<NodeConfig> =>
  Object.assign({}, ...fields.map((f) => f.change));

/** XEP-0060 §7.1.5: the fields whose values differ from the node's configuration: unmet preconditions. */
export function unmet(config: NodeConfig, fields: readonly ConfigFieldChange[]): string[] {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  return fields
    .filter((f) => (Object.keys(f.change) as Array<keyof NodeConfig>).some((k) => differs(config[k], f.change[k])))
    .map((f) => f.var);
}
