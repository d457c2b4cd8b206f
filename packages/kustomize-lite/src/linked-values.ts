import { isJsonMap, type JsonMap, type JsonValue } from './json.js';

/**
 * Which label/annotation values kustomize stores as one shared YAML node.
 *
 * @remarks
 * kustomize's labels and annotations transformers create one value node per key per object and
 * put that same node at every field they create in it (metadata, selectors, templates).
 * A later transformer that overwrites an existing field writes into that node, so every place
 * sharing it changes too: a `labels:` entry without selectors still rewrites a selector value an
 * earlier `commonLabels` created. This registry reproduces that, keyed by the maps holding the values.
 */
export class LinkedValues {
  private readonly groups = new WeakMap<JsonMap, Map<string, JsonMap[]>>();

  /** Starts a run over one object: the setter for `key` (fields it creates share one value). */
  setter(key: string, value: string): (map: JsonMap) => void {
    const created: JsonMap[] = [];
    return (map) => {
      if (Object.hasOwn(map, key) && map[key] !== null) {
        const group = this.groups.get(map)?.get(key);
        if (group === undefined) {
          map[key] = value;
          return;
        }
        const previous = map[key];
        for (const member of group) if (member[key] === previous) member[key] = value;
        map[key] = value;
        return;
      }
      map[key] = value;
      created.push(map);
      let byKey = this.groups.get(map);
      if (byKey === undefined) {
        byKey = new Map();
        this.groups.set(map, byKey);
      }
      byKey.set(key, created);
    };
  }

  /**
   * Carries the links of `before` over to `after`, a patched copy of the same object (kustomize's
   * strategic merge keeps the nodes it does not change). Maps are paired by path; list items by
   * position when the list kept its length, else by `name`.
   */
  transfer(before: JsonValue, after: JsonValue): void {
    if (Array.isArray(before) && Array.isArray(after)) {
      if (before.length === after.length) before.forEach((item, index) => this.transfer(item, after[index] as JsonValue));
      else {
        for (const item of before) {
          if (!isJsonMap(item) || typeof item['name'] !== 'string') continue;
          const match = after.find((candidate) => isJsonMap(candidate) && candidate['name'] === item['name']);
          if (match !== undefined) this.transfer(item, match);
        }
      }
      return;
    }
    if (!isJsonMap(before) || !isJsonMap(after) || before === after) return;
    const byKey = this.groups.get(before);
    if (byKey !== undefined) {
      for (const [key, group] of byKey) {
        if (after[key] !== before[key]) continue;
        const index = group.indexOf(before);
        if (index >= 0) group[index] = after;
        let target = this.groups.get(after);
        if (target === undefined) {
          target = new Map();
          this.groups.set(after, target);
        }
        target.set(key, group);
      }
    }
    for (const [key, value] of Object.entries(before)) {
      const next = after[key];
      if (next !== undefined && typeof value === 'object' && value !== null) this.transfer(value, next);
    }
  }
}
