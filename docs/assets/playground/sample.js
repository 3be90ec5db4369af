/* The sample photo (sample-photo.json, written beside these files by
   docs_hooks/playground.py at build time) and drawing gray images on a canvas. */
const core = window.cnnTutorial;
const SAMPLE_URL = new URL("sample-photo.json", import.meta.url).href;

let samplePromise = null;
export function loadSample() {
  if (!samplePromise) {
    samplePromise = fetch(SAMPLE_URL, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      var binary = atob(data.pixels);
      var bytes = new Uint8Array(binary.length);
      for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      // Stored little-endian float32; DataView keeps it right on any machine.
      var view = new DataView(bytes.buffer);
      var pixels = new Float32Array(data.width * data.height);
      for (var j = 0; j < pixels.length; j++) pixels[j] = view.getFloat32(4 * j, true);
      return { width: data.width, height: data.height, pixels: pixels, name: data.name };
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
