/*
 * cnn-core.js: the arithmetic behind the site's convolution playground.
 *
 * One module, used by every widget (playground.js) and exposed to readers and
 * tests as `window.cnnTutorial`. It mirrors the Python package exactly:
 *   convolve      <-> cnn_tutorial.kernels.apply_kernel (gray image)
 *   outputSize    <-> cnn_tutorial.arithmetic.conv_output_size
 *   poolOutputSize<-> cnn_tutorial.arithmetic.pool_output_size
 *   samePadding   <-> cnn_tutorial.arithmetic.same_padding
 *   describeStack <-> cnn_tutorial.arithmetic.describe_stack
 * tests/playground/ checks that they agree. Plain ES2017, no dependencies, and
 * nothing is fetched here: the widgets load the sample photo (sample.js) and
 * the lecture's network (stack-widget.js, lecture-network.json), both written
 * at build time from the package by docs_hooks/playground.py.
 */
(function (global) {
  "use strict";

  // --- argument checks (messages name the argument and what was expected) ---

  function isInteger(value) {
    return typeof value === "number" && Number.isInteger(value);
  }

  /** An Error with a machine-readable `code` (the widgets localise by it). */
  function fail(Kind, code, message, details) {
    var error = new Kind(message);
    error.code = code;
    if (details) Object.keys(details).forEach(function (key) { error[key] = details[key]; });
    return error;
  }

  function checkInt(name, value, minimum) {
    if (minimum === undefined) minimum = 1;
    if (!isInteger(value)) {
      throw fail(TypeError, "bad-value", name + " must be an integer >= " + minimum + ", got " +
        show(value), { argument: name, minimum: minimum });
    }
    if (value < minimum) {
      throw fail(RangeError, "bad-value", name + " must be an integer >= " + minimum + ", got " +
        show(value), { argument: name, minimum: minimum });
    }
    return value;
  }

  function checkPair(name, value) {
    if (Array.isArray(value)) {
      if (value.length !== 2 || !value.every(isInteger)) {
        throw new TypeError(name + " must be an integer >= 1 or a pair of them, got " + show(value));
      }
      if (Math.min(value[0], value[1]) < 1) {
        throw new RangeError(name + " must be an integer >= 1 or a pair of them, got " + show(value));
      }
      return [value[0], value[1]];
    }
    if (!isInteger(value) || value < 1) {
      throw fail(isInteger(value) ? RangeError : TypeError, "bad-value", name +
        " must be an integer >= 1 or a pair of them, got " + show(value), { argument: name });
    }
    return [value, value];
  }

  /** 'SAME'/'VALID' in any letter case, or (when allowed) a non-negative int. */
  function checkPadding(name, value, allowInt) {
    var expected = allowInt ? "'SAME', 'VALID' or a non-negative integer" : "'SAME' or 'VALID'";
    if (typeof value === "string") {
      var upper = value.toUpperCase();
      if (upper === "SAME" || upper === "VALID") return upper;
      throw new RangeError(name + " must be " + expected + ", got " + show(value));
    }
    if (allowInt && isInteger(value)) {
      if (value < 0) throw new RangeError(name + " must be " + expected + ", got " + show(value));
      return value;
    }
    throw new TypeError(name + " must be " + expected + ", got " + show(value));
  }

  function show(value) {
    if (typeof value === "string") return "'" + value + "'";
    if (typeof value === "number" || value === undefined) return String(value);
    try {
      return JSON.stringify(value);
    } catch (error) {
      return String(value);
    }
  }

  // --- output sizes (TensorFlow's rules) ---

  /** Cells a dilated kernel covers: dilation * (k - 1) + 1. */
  function effectiveKernelSize(kernel, dilation) {
    checkInt("kernel", kernel);
    checkInt("dilation", dilation === undefined ? 1 : dilation);
    return (dilation === undefined ? 1 : dilation) * (kernel - 1) + 1;
  }

  function windowOutput(size, window, stride, padding, windowName) {
    if (padding === "SAME") return Math.ceil(size / stride);
    var pad = padding === "VALID" ? 0 : padding;
    if (size + 2 * pad < window) {
      var where = pad === 0 ? "the input" : "the input padded by " + pad + " on each side";
      throw fail(RangeError, "no-fit", windowName + " covers " + window + " cells but " +
        where + " has only " + (size + 2 * pad) + ": with padding=" + show(padding) +
        " the window must fit, so the output would be empty; use padding='SAME', " +
        "more padding or a smaller window", { window: window, available: size + 2 * pad });
    }
    return Math.floor((size + 2 * pad - window) / stride) + 1;
  }

  /**
   * Output length of a convolution along one axis, as tf.nn.conv2d computes it.
   * padding: 'SAME' (ceil(size / stride)), 'VALID' or a number of zeros per side.
   * Throws a RangeError when the window does not fit (the output would be empty).
   */
  function outputSize(size, kernel, stride, padding, dilation) {
    checkInt("size", size);
    stride = checkInt("stride", stride === undefined ? 1 : stride);
    padding = checkPadding("padding", padding === undefined ? "VALID" : padding, true);
    var window = effectiveKernelSize(kernel, dilation === undefined ? 1 : dilation);
    return windowOutput(size, window, stride, padding, "kernel (dilated)");
  }

  /** Output length of a pooling layer; the stride defaults to the pool size. */
  function poolOutputSize(size, pool, stride, padding) {
    checkInt("size", size);
    checkInt("pool", pool);
    stride = stride === undefined || stride === null ? pool : checkInt("stride", stride);
    padding = checkPadding("padding", padding === undefined ? "VALID" : padding, true);
    return windowOutput(size, pool, stride, padding, "pool");
  }

  /**
   * TensorFlow's 'SAME' padding of one axis: [before, after], with
   * total = max((ceil(size / stride) - 1) * stride + kEff - size, 0),
   * before = floor(total / 2) and the odd cell, if any, at the end.
   */
  function samePadding(size, kernel, stride, dilation) {
    checkInt("size", size);
    stride = checkInt("stride", stride === undefined ? 1 : stride);
    var window = effectiveKernelSize(kernel, dilation === undefined ? 1 : dilation);
    var total = Math.max((Math.ceil(size / stride) - 1) * stride + window - size, 0);
    var before = Math.floor(total / 2);
    return [before, total - before];
  }

  /**
   * Everything about one axis of a windowed operation: output length, padding
   * before/after and, for output index i, the input index of each tap:
   * taps(i)[j] = i * stride - before + j * dilation (negative or >= size: padding).
   */
  function axisPlan(size, kernel, stride, padding, dilation) {
    stride = stride === undefined ? 1 : stride;
    dilation = dilation === undefined ? 1 : dilation;
    padding = checkPadding("padding", padding === undefined ? "VALID" : padding, true);
    var out = outputSize(size, kernel, stride, padding, dilation);
    var pads;
    if (padding === "SAME") {
      pads = samePadding(size, kernel, stride, dilation);
    } else {
      var p = padding === "VALID" ? 0 : padding;
      pads = [p, p];
    }
    return {
      size: size, kernel: kernel, stride: stride, dilation: dilation, padding: padding,
      output: out, before: pads[0], after: pads[1],
      taps: function (i) {
        var first = i * stride - pads[0];
        var list = [];
        for (var j = 0; j < kernel; j++) list.push(first + j * dilation);
        return list;
      }
    };
  }

  // --- convolution (a cross-correlation, as in TensorFlow) ---

  function checkKernel(kernel) {
    if (!Array.isArray(kernel) || kernel.length < 1 || !Array.isArray(kernel[0]) ||
        kernel[0].length < 1) {
      throw new TypeError("kernel must be a 2-D nested array of numbers (rows of columns), got " +
        show(kernel));
    }
    var cols = kernel[0].length;
    kernel.forEach(function (row, r) {
      if (!Array.isArray(row) || row.length !== cols) {
        throw new TypeError("kernel must have rows of equal length (" + cols +
          "), but row " + r + " is " + show(row));
      }
      row.forEach(function (value, c) {
        if (typeof value !== "number" || !isFinite(value)) {
          throw new TypeError("kernel[" + r + "][" + c + "] must be a finite number, got " +
            show(value));
        }
      });
    });
    return kernel;
  }

  function checkPixels(pixels, width, height) {
    checkInt("width", width);
    checkInt("height", height);
    if (pixels === null || typeof pixels !== "object" || typeof pixels.length !== "number") {
      throw new TypeError("pixels must be a flat array of numbers (row by row), got " +
        show(pixels));
    }
    if (pixels.length !== width * height) {
      throw new RangeError("pixels must hold width * height = " + width * height +
        " values, got " + pixels.length);
    }
  }

  /**
   * Filter a gray image with a 2-D kernel, exactly as
   * cnn_tutorial.kernels.apply_kernel (tf.nn.conv2d: no flip, zeros outside).
   *
   * pixels: flat array, row by row, width * height values (gray, e.g. in [0, 1]).
   * kernel: nested array [[...], ...] (3 x 3 for the site's kernels; any size works).
   * stride: an integer >= 1, or [rows, columns].
   * padding: 'SAME' or 'VALID' (or a number of zeros per side).
   * dilation: spacing of the taps (default 1), an integer or [rows, columns].
   * Returns {width, height, pixels: Float32Array} (values not clipped).
   */
  function convolve(pixels, width, height, kernel, stride, padding, dilation) {
    checkPixels(pixels, width, height);
    checkKernel(kernel);
    var strides = checkPair("stride", stride === undefined ? 1 : stride);
    var dilations = checkPair("dilation", dilation === undefined ? 1 : dilation);
    padding = checkPadding("padding", padding === undefined ? "SAME" : padding, true);
    var kh = kernel.length;
    var kw = kernel[0].length;
    var rows = axisPlan(height, kh, strides[0], padding, dilations[0]);
    var cols = axisPlan(width, kw, strides[1], padding, dilations[1]);
    var out = new Float32Array(rows.output * cols.output);
    // Flatten the kernel once; sum in double precision (TF sums in float32,
    // the difference is far below the 1e-4 the tests allow).
    var weights = [];
    for (var r = 0; r < kh; r++) {
      for (var c = 0; c < kw; c++) weights.push(kernel[r][c]);
    }
    for (var oy = 0; oy < rows.output; oy++) {
      var y0 = oy * strides[0] - rows.before;
      for (var ox = 0; ox < cols.output; ox++) {
        var x0 = ox * strides[1] - cols.before;
        var sum = 0;
        for (var ky = 0; ky < kh; ky++) {
          var y = y0 + ky * dilations[0];
          if (y < 0 || y >= height) continue;
          var rowStart = y * width;
          for (var kx = 0; kx < kw; kx++) {
            var x = x0 + kx * dilations[1];
            if (x < 0 || x >= width) continue;
            sum += pixels[rowStart + x] * weights[ky * kw + kx];
          }
        }
        out[oy * cols.output + ox] = sum;
      }
    }
    return { width: cols.output, height: rows.output, pixels: out };
  }

  // --- display: floats -> 8-bit gray, as cnn_tutorial.figures.kernel_grid ---

  /**
   * Map values to bytes 0..255. mode 'clip' (default): below 0 black, above 1
   * white; 'minmax': the image's own minimum black and maximum white.
   */
  function toBytes(pixels, mode) {
    mode = mode === undefined ? "clip" : mode;
    if (mode !== "clip" && mode !== "minmax") {
      throw new RangeError("mode must be 'clip' or 'minmax', got " + show(mode));
    }
    var low = 0;
    var high = 1;
    if (mode === "minmax") {
      var range = valueRange(pixels);
      low = range.min;
      high = range.max;
    }
    var scale = high > low ? 255 / (high - low) : 0;
    var bytes = new Uint8ClampedArray(pixels.length);
    for (var i = 0; i < pixels.length; i++) bytes[i] = Math.round((pixels[i] - low) * scale);
    return bytes;
  }

  function valueRange(pixels) {
    var min = Infinity;
    var max = -Infinity;
    for (var i = 0; i < pixels.length; i++) {
      if (pixels[i] < min) min = pixels[i];
      if (pixels[i] > max) max = pixels[i];
    }
    return { min: min, max: max };
  }

  // --- stacks of layers (mirrors cnn_tutorial.arithmetic.describe_stack) ---

  function product(values) {
    return values.reduce(function (a, b) { return a * b; }, 1);
  }

  /**
   * Output shape and parameter count of each layer. layers: objects such as
   * {type: 'conv', filters: 32, kernel: 5, stride: 1, padding: 'SAME', dilation: 1},
   * {type: 'pool', size: 2, stride: 2, padding: 'VALID'}, {type: 'flatten'},
   * {type: 'dense', units: 1024}, {type: 'dropout', rate: 0.25}.
   * Returns {rows: [{index, type, shape, params, formula}], total, error} where
   * error is null or {index, code, message, ...} for the first layer that
   * cannot follow (rows stop before it); code is 'needs-image', 'needs-flat',
   * 'no-fit', 'bad-value' or 'bad-type'.
   */
  function describeStack(layers, inputShape) {
    inputShape = inputShape === undefined ? [28, 28, 1] : inputShape;
    if (!Array.isArray(inputShape) || (inputShape.length !== 1 && inputShape.length !== 3) ||
        !inputShape.every(function (v) { return isInteger(v) && v >= 1; })) {
      throw new RangeError("inputShape must be [height, width, channels] or [features] of " +
        "integers >= 1, got " + show(inputShape));
    }
    if (!Array.isArray(layers)) throw new TypeError("layers must be an array, got " + show(layers));
    var shape = inputShape.slice();
    var rows = [];
    var total = 0;
    for (var index = 0; index < layers.length; index++) {
      var layer = layers[index];
      var params = 0;
      var formula = "0";
      try {
        var type = layer && layer.type;
        if (type === "conv" || type === "pool") {
          if (shape.length !== 3) {
            throw fail(RangeError, "needs-image", "needs a height x width x channels input, " +
              "got the flat shape " + shape.join(" x "));
          }
          if (type === "conv") {
            checkInt("filters", layer.filters);
            var stride = layer.stride === undefined ? 1 : layer.stride;
            var padding = layer.padding === undefined ? "SAME" : layer.padding;
            var dilation = layer.dilation === undefined ? 1 : layer.dilation;
            var h = outputSize(shape[0], layer.kernel, stride, padding, dilation);
            var w = outputSize(shape[1], layer.kernel, stride, padding, dilation);
            params = layer.kernel * layer.kernel * shape[2] * layer.filters + layer.filters;
            formula = layer.kernel + "·" + layer.kernel + "·" + shape[2] + "·" + layer.filters +
              " + " + layer.filters;
            shape = [h, w, layer.filters];
          } else {
            var pstride = layer.stride === undefined || layer.stride === null ? layer.size
              : layer.stride;
            var ppad = layer.padding === undefined ? "VALID" : layer.padding;
            shape = [poolOutputSize(shape[0], layer.size, pstride, ppad),
              poolOutputSize(shape[1], layer.size, pstride, ppad), shape[2]];
          }
        } else if (type === "flatten") {
          shape = [product(shape)];
        } else if (type === "dense") {
          checkInt("units", layer.units);
          if (shape.length !== 1) {
            throw fail(RangeError, "needs-flat", "needs a flat input; add a flatten layer " +
              "before it (input " + shape.join(" x ") + ")");
          }
          params = shape[0] * layer.units + layer.units;
          formula = shape[0] + "·" + layer.units + " + " + layer.units;
          shape = [layer.units];
        } else if (type === "dropout") {
          var rate = layer.rate === undefined ? 0.25 : layer.rate;
          if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
            throw fail(RangeError, "bad-value", "rate must be a number in [0, 1), got " +
              show(rate), { argument: "rate" });
          }
        } else {
          throw fail(TypeError, "bad-type", "type must be 'conv', 'pool', 'flatten', 'dense' " +
            "or 'dropout', got " + show(type));
        }
      } catch (error) {
        return { rows: rows, total: total, error: { index: index, code: error.code || "error",
          message: error.message, argument: error.argument, window: error.window,
          available: error.available } };
      }
      total += params;
      rows.push({ index: index, type: layer.type, shape: shape.slice(), params: params,
        formula: formula });
    }
    return { rows: rows, total: total, error: null };
  }

  function frozen(rows) {
    return Object.freeze(rows.map(function (row) { return Object.freeze(row.slice()); }));
  }

  /** The site's kernels, the values of cnn_tutorial.kernels.KERNELS. */
  var KERNELS = Object.freeze({
    identity: frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    blur: frozen([[1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9], [1 / 9, 1 / 9, 1 / 9]]),
    gaussian_blur: frozen([[0.0625, 0.125, 0.0625], [0.125, 0.25, 0.125],
      [0.0625, 0.125, 0.0625]]),
    sharpen: frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    edge: frozen([[0, -1, 0], [-1, 4, -1], [0, -1, 0]]),
    top_sobel: frozen([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
    emboss: frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
  });

  global.cnnTutorial = Object.freeze({
    version: "1",
    KERNELS: KERNELS,
    KERNEL_NAMES: Object.freeze(["identity", "blur", "gaussian_blur", "sharpen", "edge",
      "top_sobel", "emboss"]),
    checkPadding: checkPadding,
    effectiveKernelSize: effectiveKernelSize,
    outputSize: outputSize,
    poolOutputSize: poolOutputSize,
    samePadding: samePadding,
    axisPlan: axisPlan,
    convolve: convolve,
    toBytes: toBytes,
    valueRange: valueRange,
    describeStack: describeStack
  });
})(typeof window !== "undefined" ? window : globalThis);
