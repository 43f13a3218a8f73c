// JSON as kvstore keeps it: numbers with every digit (12345678901234567890123, 1e400), object members in their
// order. JSON.parse would round the first, turn the second into Infinity and reorder members named like
// integers, so the console never sends a value through it: it parses into nodes that keep each number's text,
// prints those, and sends the text the user typed.

/** A parsed value: {type: "object", members: [[name, node]...]} | {type: "array", items} | {type: "number",
 *  text} | {type: "string", value} | {type: "boolean", value} | {type: "null"}. */
export function parse(text) {
  const p = { text, at: 0 };
  const node = value(p);
  space(p);
  if (p.at !== text.length) fail(p, "unexpected text after the value");
  return node;
}

/** The member `name` of an object node, or undefined (also when `node` is null or not an object). */
export function member(node, name) {
  const found = node && node.type === "object" && node.members.find(([n]) => n === name);
  return found ? found[1] : undefined;
}

/** A node as indented JSON text (two spaces), or on one line with `indent` "". */
export function format(node, indent = "  ", depth = 0) {
  const pad = indent.repeat(depth + 1);
  const close = indent.repeat(depth);
  const nl = indent ? "\n" : "";
  switch (node.type) {
    case "object":
      if (node.members.length === 0) return "{}";
      return "{" + nl + node.members.map(([name, v]) =>
        pad + JSON.stringify(name) + (indent ? ": " : ":") + format(v, indent, depth + 1)).join("," + nl) + nl + close + "}";
    case "array":
      if (node.items.length === 0) return "[]";
      return "[" + nl + node.items.map((v) => pad + format(v, indent, depth + 1)).join("," + nl) + nl + close + "]";
    case "number": return node.text;
    case "string": return JSON.stringify(node.value);
    case "boolean": return String(node.value);
    default: return "null";
  }
}

/** A number node's value as a JavaScript number (for figures such as revisions and TTLs). */
export function numberOf(node) {
  return node && node.type === "number" ? Number(node.text) : undefined;
}

/** A string node's value, or undefined. */
export function stringOf(node) {
  return node && node.type === "string" ? node.value : undefined;
}

function value(p) {
  space(p);
  const c = p.text[p.at];
  if (c === "{") return object(p);
  if (c === "[") return array(p);
  if (c === '"') return { type: "string", value: string(p) };
  if (c === "-" || (c >= "0" && c <= "9")) return number(p);
  for (const [word, node] of [["true", { type: "boolean", value: true }], ["false", { type: "boolean", value: false }],
    ["null", { type: "null" }]]) {
    if (p.text.startsWith(word, p.at)) {
      p.at += word.length;
      return node;
    }
  }
  return fail(p, c === undefined ? "the text ends where a value should be" : "a value cannot start with " + JSON.stringify(c));
}

function object(p) {
  return {
    type: "object",
    members: sequence(p, "}", () => {
      space(p);
      if (p.text[p.at] !== '"') fail(p, "a member name must be a string in double quotes");
      const name = string(p);
      space(p);
      expect(p, ":");
      return [name, value(p)];
    }),
  };
}

function array(p) {
  return { type: "array", items: sequence(p, "]", () => value(p)) };
}

/** The comma-separated items of an object or array, from its opening bracket through `close`. */
function sequence(p, close, item) {
  p.at++;
  const items = [];
  space(p);
  if (p.text[p.at] === close) {
    p.at++;
    return items;
  }
  for (;;) {
    items.push(item());
    space(p);
    if (p.text[p.at] !== ",") break;
    p.at++;
  }
  expect(p, close);
  return items;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

function number(p) {
  NUMBER.lastIndex = p.at;
  const m = NUMBER.exec(p.text);
  if (!m) fail(p, "a malformed number");
  p.at += m[0].length;
  return { type: "number", text: m[0] };
}

function string(p) {
  STRING.lastIndex = p.at;
  const m = STRING.exec(p.text);
  if (!m) fail(p, "a malformed string (unescaped control character, bad escape, or no closing quote)");
  p.at += m[0].length;
  return JSON.parse(m[0]); // a lone string is safe to hand to JSON.parse: nothing in it is rounded
}

function space(p) {
  while (p.at < p.text.length && " \t\n\r".includes(p.text[p.at])) p.at++;
}

function expect(p, c) {
  if (p.text[p.at] !== c) fail(p, "expected " + JSON.stringify(c));
  p.at++;
}

function fail(p, why) {
  const before = p.text.slice(0, p.at);
  const line = before.split("\n").length;
  const column = p.at - before.lastIndexOf("\n");
  throw new SyntaxError(`not JSON: ${why} (line ${line}, column ${column})`);
}
