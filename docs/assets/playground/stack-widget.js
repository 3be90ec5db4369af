/* Widget 3: the layer-stack shape calculator (the fully connected chapter).
   Its starting stack, the lecture's network, is lecture-network.json: written
   beside these files at build time by docs_hooks/playground.py from
   cnn_tutorial.arithmetic.LECTURE_NETWORK, the network's one source. */
import { strings } from "./strings.js";
import { el, field, select, numberInput, readInt, scrollBox } from "./dom.js";

const core = window.cnnTutorial;
const NETWORK_URL = new URL("lecture-network.json", import.meta.url).href;

/** The file's layers, or an Error saying what is wrong with it. */
function checkNetwork(layers) {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new Error("lecture-network.json must hold a non-empty array of layers");
  }
  layers.forEach(function (layer, index) {
    if (!layer || typeof layer !== "object" ||
        !Object.prototype.hasOwnProperty.call(FIELDS, layer.type)) {
      throw new Error("lecture-network.json: layer " + index + " has no known type");
    }
  });
  return layers.map(function (layer) { return Object.freeze(copyLayer(layer)); });
}

let networkPromise = null;
/** The lecture's network, fetched once per page (again after a failure). */
function loadNetwork() {
  if (!networkPromise) {
    networkPromise = fetch(NETWORK_URL, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(checkNetwork);
    networkPromise.catch(function () { networkPromise = null; });
  }
  return networkPromise;
}

var FIELDS = {
  conv: [["filters", "filters", 1, 4096], ["kernel", "kernelShort", 1, 15],
    ["stride", "strideShort", 1, 8], ["padding", "paddingShort"]],
  pool: [["size", "poolSize", 1, 8], ["stride", "strideShort", 1, 8],
    ["padding", "paddingShort"]],
  flatten: [],
  dense: [["units", "units", 1, 100000]],
  dropout: [["rate", "rate"]]
};
var DEFAULTS = {
  conv: { type: "conv", filters: 32, kernel: 3, stride: 1, padding: "SAME" },
  pool: { type: "pool", size: 2, stride: 2, padding: "VALID" },
  flatten: { type: "flatten" },
  dense: { type: "dense", units: 10 },
  dropout: { type: "dropout", rate: 0.25 }
};
var TYPES = ["conv", "pool", "flatten", "dense", "dropout"];
// cnn-core.js argument name -> key of the label in STRINGS.
var ARGUMENT_LABELS = { filters: "filters", kernel: "kernelShort", stride: "strideShort",
  pool: "poolSize", units: "units", rate: "rate", size: "poolSize" };

function copyLayer(layer) {
  return Object.assign({}, layer);
}

export function stackWidget(root) {
  var t = strings();
  var state = {
    input: [28, 28, 1],
    layers: [],
    lecture: null // the loaded network, for the reset button
  };

  var shapeInputs = [[t.height, 28], [t.width, 28], [t.channels, 1]].map(function (pair, i) {
    return numberInput(pair[1], 1, 4096, { "aria-label": pair[0],
      "data-role": "input-" + ["height", "width", "channels"][i] });
  });
  var inputBox = el("fieldset", { className: "cnn-pg-shape" }, [
    el("legend", { text: t.inputShape }),
    shapeInputs[0], el("span", { text: " × ", "aria-hidden": "true" }),
    shapeInputs[1], el("span", { text: " × ", "aria-hidden": "true" }), shapeInputs[2]
  ]);
  var tbody = el("tbody", { role: "rowgroup" });
  var table = el("table", { className: "cnn-pg-table", "data-role": "stack", role: "table" }, [
    el("thead", { role: "rowgroup" }, [el("tr", { role: "row" }, ["#", t.layer, t.settings,
      t.shape, t.params, t.actions].map(function (name) {
      return el("th", { scope: "col", role: "columnheader", text: name });
    }))]),
    tbody
  ]);
  var totalText = el("p", { className: "cnn-pg-size", "data-role": "total", role: "status",
    "aria-live": "polite" });
  var addType = select(TYPES.map(function (type) { return [type, t.types[type]]; }), "conv",
    { "aria-label": t.addType, "data-role": "add-type" });
  var addButton = el("button", { type: "button", text: t.add, "data-role": "add" });
  var resetButton = el("button", { type: "button", text: t.reset, "data-role": "reset",
    disabled: true });

  root.appendChild(el("p", { className: "cnn-pg-title", text: t.stackTitle }));
  root.appendChild(inputBox);
  var tableBox = scrollBox(table, t.tableRegion, t.scrollHint);
  root.appendChild(tableBox.wrap);
  root.appendChild(el("div", { className: "cnn-pg-buttons" },
    [addType, addButton, resetButton]));
  root.appendChild(totalText);

  var rowViews = [];

  function layerFromRow(index) {
    return state.layers[index];
  }

  function buildRows(focus) {
    tbody.textContent = "";
    rowViews = state.layers.map(function (layer, index) {
      var n = index + 1;
      var typeSelect = select(TYPES.map(function (type) { return [type, t.types[type]]; }),
        layer.type, { "aria-label": t.typeOf(n), "data-role": "type" });
      typeSelect.addEventListener("change", function () {
        state.layers[index] = copyLayer(DEFAULTS[typeSelect.value]);
        buildRows({ index: index, role: "type" });
      });
      var settings = el("div", { className: "cnn-pg-settings" });
      FIELDS[layer.type].forEach(function (spec) {
        var key = spec[0];
        var control;
        if (key === "padding") {
          control = select([["SAME", "SAME"], ["VALID", "VALID"]], layer.padding);
          control.addEventListener("change", function () {
            layerFromRow(index).padding = control.value;
            compute();
          });
        } else if (key === "rate") {
          control = el("input", { type: "number", min: 0, max: 0.99, step: 0.05,
            value: String(layer.rate), inputmode: "decimal" });
          control.addEventListener("input", function () {
            var text = control.value.trim();
            layerFromRow(index).rate = text === "" ? NaN : Number(text);
            compute();
          });
        } else {
          control = numberInput(layer[key], spec[2], spec[3]);
          control.addEventListener("input", function () {
            var value = readInt(control);
            layerFromRow(index)[key] = value;
            compute();
          });
        }
        control.setAttribute("data-role", key);
        control.classList.add("cnn-pg-small");
        settings.appendChild(field(t[spec[1]], control).wrap);
      });
      var up = el("button", { type: "button", text: "↑", "aria-label": t.up(n),
        title: t.up(n), "data-role": "up", disabled: index === 0 });
      var down = el("button", { type: "button", text: "↓", "aria-label": t.down(n),
        title: t.down(n), "data-role": "down", disabled: index === state.layers.length - 1 });
      var remove = el("button", { type: "button", text: "✕", "aria-label": t.remove(n),
        title: t.remove(n), "data-role": "remove" });
      up.addEventListener("click", function () { move(index, -1, "up"); });
      down.addEventListener("click", function () { move(index, 1, "down"); });
      remove.addEventListener("click", function () {
        state.layers.splice(index, 1);
        buildRows(state.layers.length ? { index: Math.min(index, state.layers.length - 1),
          role: "remove" } : { add: true });
      });
      // data-label: the column's name, shown inside each cell when a narrow
      // widget lays a row out as a card (playground.css); the roles keep the
      // table's semantics when CSS changes its display.
      var shapeCell = el("td", { "data-role": "shape", role: "cell", "data-label": t.shape });
      var paramsCell = el("td", { className: "cnn-pg-num", "data-role": "params", role: "cell",
        "data-label": t.params });
      var row = el("tr", { "data-index": index, role: "row" }, [
        el("th", { scope: "row", role: "rowheader", text: String(n) }),
        el("td", { className: "cnn-pg-type", role: "cell" }, [typeSelect]),
        el("td", { className: "cnn-pg-settings-cell", role: "cell" }, [settings]),
        shapeCell, paramsCell,
        el("td", { className: "cnn-pg-actions", role: "cell" }, [up, down, remove])
      ]);
      tbody.appendChild(row);
      return { row: row, shape: shapeCell, params: paramsCell };
    });
    compute();
    if (focus) {
      if (focus.add) {
        addButton.focus();
      } else {
        var target = tbody.children[focus.index] &&
          tbody.children[focus.index].querySelector('[data-role="' + focus.role + '"]');
        // A moved row's button may now be disabled (first/last): fall back to the select.
        if (!target || target.disabled) {
          target = tbody.children[focus.index].querySelector('[data-role="type"]');
        }
        target.focus();
      }
    }
  }

  function move(index, delta, role) {
    var other = index + delta;
    var layer = state.layers[index];
    state.layers[index] = state.layers[other];
    state.layers[other] = layer;
    buildRows({ index: other, role: role });
  }

  function compute() {
    state.input = shapeInputs.map(readInt);
    var result;
    try {
      result = core.describeStack(state.layers, state.input);
    } catch (error) {
      rowViews.forEach(function (view) {
        view.shape.textContent = t.notComputed;
        view.params.textContent = t.notComputed;
      });
      totalText.textContent = t.errors["bad-value"]({ argument: t.inputShape });
      root.setAttribute("data-total", "");
      return;
    }
    rowViews.forEach(function (view, index) {
      var row = result.rows[index];
      view.row.classList.toggle("cnn-pg-error", Boolean(result.error &&
        result.error.index === index));
      if (row) {
        view.shape.textContent = row.shape.join(" × ");
        view.params.textContent = row.params.toLocaleString("en-US");
        view.params.title = row.formula;
      } else if (result.error && result.error.index === index) {
        var message = t.errors[result.error.code] || t.errors.error;
        // Name the setting as its label does on this page.
        var error = Object.assign({}, result.error, {
          argument: t[ARGUMENT_LABELS[result.error.argument]] || result.error.argument });
        view.shape.textContent = typeof message === "function" ? message(error) : message;
        view.params.textContent = t.notComputed;
        view.params.removeAttribute("title");
      } else {
        view.shape.textContent = t.notComputed;
        view.params.textContent = t.notComputed;
        view.params.removeAttribute("title");
      }
    });
    var mb = (result.total * 4 / 1e6).toFixed(1);
    totalText.textContent = t.total + ": " + result.total.toLocaleString("en-US") + " (" +
      t.totalBytes(mb) + ")" + (result.error ? " — " + t.notComputed : "");
    root.setAttribute("data-total", result.error ? "" : String(result.total));
  }

  shapeInputs.forEach(function (input) { input.addEventListener("input", compute); });
  addButton.addEventListener("click", function () {
    state.layers.push(copyLayer(DEFAULTS[addType.value]));
    buildRows({ index: state.layers.length - 1, role: "type" });
  });
  resetButton.addEventListener("click", function () {
    state.layers = state.lecture.map(copyLayer);
    shapeInputs[0].value = "28";
    shapeInputs[1].value = "28";
    shapeInputs[2].value = "1";
    buildRows(null);
  });

  // Until the network arrives the table is empty and the total line says so;
  // the reader can already add layers. data-ready: "false", then "true" or "error".
  root.setAttribute("data-ready", "false");
  buildRows(null);
  totalText.textContent = t.networkLoading;
  loadNetwork().then(function (layers) {
    state.lecture = layers;
    resetButton.disabled = false;
    if (state.layers.length === 0) state.layers = layers.map(copyLayer);
    buildRows(null);
    root.setAttribute("data-ready", "true");
  }, function (error) {
    totalText.textContent = t.networkError(error.message);
    root.setAttribute("data-ready", "error");
  });
}
