/* Small DOM helpers shared by the widgets. */

var uid = 0;
export function nextId(prefix) {
  uid += 1;
  return "cnn-pg-" + prefix + "-" + uid;
}

export function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
  }
  (children || []).forEach(function (child) {
    if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

/** A <label> + control pair; returns {wrap, control}. */
export function field(labelText, control) {
  var id = control.id || nextId("field");
  control.id = id;
  var wrap = el("div", { className: "cnn-pg-field" },
    [el("label", { "for": id, text: labelText }), control]);
  return { wrap: wrap, control: control };
}

export function select(options, value, attrs) {
  var node = el("select", attrs);
  options.forEach(function (option) {
    var opt = el("option", { value: String(option[0]), text: option[1] });
    if (String(option[0]) === String(value)) opt.selected = true;
    node.appendChild(opt);
  });
  return node;
}

export function numberInput(value, min, max, attrs) {
  var node = el("input", Object.assign({ type: "number", value: String(value), min: min,
    max: max, step: 1, inputmode: "numeric" }, attrs || {}));
  return node;
}

export function readInt(input) {
  var text = input.value.trim();
  return /^-?\d+$/.test(text) ? parseInt(text, 10) : NaN;
}

export function clampInt(input, lo, hi, fallback) {
  var value = readInt(input);
  if (isNaN(value)) return fallback;
  return Math.min(hi, Math.max(lo, value));
}

export function formatNumber(value) {
  if (Number.isInteger(value)) return String(value);
  var text = value.toFixed(3).replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}

/**
 * A box around `child` that scrolls sideways when `child` is wider than the
 * page (phones). While it scrolls it is a labelled, focusable region (arrow
 * keys scroll it) and shows `hintText`; while it fits it is a plain box.
 */
export function scrollBox(child, labelText, hintText) {
  var hint = el("p", { className: "cnn-pg-scroll-hint", "aria-hidden": "true", text: hintText });
  var box = el("div", { className: "cnn-pg-scroll" }, [child]);
  var wrap = el("div", { className: "cnn-pg-scroll-wrap" }, [box, hint]);
  function check() {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    wrap.toggleAttribute("data-overflow", overflows);
    if (overflows) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", labelText);
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  }
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(check);
    observer.observe(box);
    observer.observe(child);
  }
  window.addEventListener("resize", check);
  return { wrap: wrap, box: box, check: check };
}
