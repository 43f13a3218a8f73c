// Building the page from data. Keys and values are whatever users stored, so they only ever become text
// (textContent), never markup.

/** A new element: el("button", {type: "button", onclick: f, class: "x"}, "text", child...). */
export function el(tag, attributes = {}, ...children) {
  const e = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) e.addEventListener(name.slice(2), value);
    else if (name === "class") e.className = value;
    else e.setAttribute(name, value === true ? "" : String(value));
  }
  e.append(...present(children));
  return e;
}

/** Replaces the children of `parent`. */
export function fill(parent, ...children) {
  parent.replaceChildren(...present(children));
}

/** The children given, nested lists flattened, without the ones left out (undefined, null, false, ""). */
function present(children) {
  return children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false && c !== "");
}

/** A term and its value for a <dl>; "–" when the value is unknown. `id` (optional) names the value. */
export function figure(name, value, id) {
  const known = value !== undefined && value !== null && !Number.isNaN(value);
  return [el("dt", {}, name), el("dd", { id }, known ? String(value) : "–")];
}

/** A key as the API's path wants it: one percent-encoded segment. */
export function keyPath(key) {
  return "/kv/" + encodeURIComponent(key);
}

/** Compares two strings in UTF-8 byte order, the order of kvstore's listings (code point order: unlike
 *  JavaScript's own comparison, which orders UTF-16 units and puts emoji before U+E000..U+FFFF). */
export function compareKeys(a, b) {
  const x = a[Symbol.iterator]();
  const y = b[Symbol.iterator]();
  for (;;) {
    const p = x.next();
    const q = y.next();
    if (p.done || q.done) return p.done === q.done ? 0 : p.done ? -1 : 1;
    const d = p.value.codePointAt(0) - q.value.codePointAt(0);
    if (d !== 0) return d;
  }
}

/** A duration in seconds as people read it: "42 s", "3 min 20 s", "2 h 5 min". */
export function seconds(s) {
  if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
