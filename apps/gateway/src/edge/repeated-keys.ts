const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** An object being read (its keys so far) or an array (the index of its current item). */
interface Container {
  readonly keys: Set<string> | undefined;
  index: number;
  key: string | undefined;
}

/**
 * The path (`rows.1.email`) of the first key an object of this JSON text gives twice, or undefined. `JSON.parse` keeps
 * the last value, another reader (a proxy, an audit log) may keep the first: one body, two meanings, so such a body is
 * refused. Reads text `JSON.parse` has already accepted, so it only follows strings and brackets.
 */
export function firstRepeatedKey(json: string): string | undefined {
  const open: Container[] = [];
  let expectingKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      while (json.charCodeAt(end) !== QUOTE) end += json.charCodeAt(end) === BACKSLASH ? 2 : 1;
      const container = open[open.length - 1];
      if (expectingKey && container?.keys) {
        const raw = json.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (container.keys.has(key)) return pathOf(open, key);
        container.keys.add(key);
        container.key = key;
        expectingKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.push({ keys: new Set(), index: 0, key: undefined });
      expectingKey = true;
    } else if (c === OPEN_ARRAY) {
      open.push({ keys: undefined, index: 0, key: undefined });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      expectingKey = false;
    } else if (c === COMMA) {
      const container = open[open.length - 1]!;
      if (container.keys) expectingKey = true;
      else container.index++;
    }
  }
  return undefined;
}

function pathOf(open: readonly Container[], key: string): string {
  const steps = open
    .slice(0, -1)
    .map((container) => (container.keys ? container.key : String(container.index)));
  return [...steps, key].join('.');
}
