/* The sample photo (sample-photo.png, an 8-bit grayscale PNG written beside
   these files by docs_hooks/playground.py at build time) and drawing gray
   images on a canvas. */
const core = window.cnnTutorial;
const SAMPLE_URL = new URL("sample-photo.png", import.meta.url).href;

// The PNG's gray levels as decoded bytes: no colour management (the file has no
// profile; "none" keeps any browser default from touching the values).
function decodeLevels(blob) {
  var options = { colorSpaceConversion: "none", premultiplyAlpha: "none" };
  return createImageBitmap(blob, options).then(function (bitmap) {
    var canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    var rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    if (bitmap.close) bitmap.close();
    return { width: canvas.width, height: canvas.height, rgba: rgba };
  });
}

let samplePromise = null;
export function loadSample() {
  if (!samplePromise) {
    samplePromise = fetch(SAMPLE_URL, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.blob();
    }).then(decodeLevels).then(function (decoded) {
      // level / 255 as float32: the values docs_hooks/playground.py's
      // sample_pixels() gives the package's apply_kernel in the tests.
      var pixels = new Float32Array(decoded.width * decoded.height);
      for (var i = 0; i < pixels.length; i++) pixels[i] = decoded.rgba[4 * i] / 255;
      return { width: decoded.width, height: decoded.height, pixels: pixels };
    });
  }
  return samplePromise;
}

export function drawGray(canvas, image, mode) {
  canvas.width = image.width;
  canvas.height = image.height;
  var bytes = core.toBytes(image.pixels, mode);
  var context = canvas.getContext("2d");
  var rgba = context.createImageData(image.width, image.height);
  for (var i = 0; i < bytes.length; i++) {
    rgba.data[4 * i] = rgba.data[4 * i + 1] = rgba.data[4 * i + 2] = bytes[i];
    rgba.data[4 * i + 3] = 255;
  }
  context.putImageData(rgba, 0, 0);
}
