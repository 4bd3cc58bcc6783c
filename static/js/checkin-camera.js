// Camera scanning, rear camera by default. The browser's own BarcodeDetector reads the codes where it exists;
// elsewhere the jsQR decoder (static/vendor/jsQR.js, about 250 KB) is loaded the first time the camera starts,
// so the page itself never waits for it.
const SCAN_EVERY_MS = 150;
const SAME_CODE_PAUSE_MS = 3000;
let decoderPromise = null;

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return async (video) => {
      const codes = await detector.detect(video);
      return codes.length ? codes[0].rawValue : null;
    };
  } catch (err) {
    return null;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function jsQrDecoder(src, canvas) {
  if (!window.jsQR) await loadScript(src);
  return async (video) => {
    const scale = Math.min(1, 800 / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    return code && code.data ? code.data : null;
  };
}

export class Camera {
  constructor(video, canvas, onCode, decoderUrl) {
    this.video = video;
    this.canvas = canvas;
    this.onCode = onCode;
    this.decoderUrl = decoderUrl;
    this.decode = null;
    this.stream = null;
    this.timer = null;
    this.last = { text: null, at: 0 };
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("getUserMedia unavailable");
    }
    if (!decoderPromise) {
      decoderPromise = nativeDetector().then((native) => native || jsQrDecoder(this.decoderUrl, this.canvas));
      decoderPromise.catch(() => {
        decoderPromise = null;
      });
    }
    const [decode, stream] = await Promise.all([
      decoderPromise,
      navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      }),
    ]);
    this.decode = decode;
    this.stream = stream;
    this.video.srcObject = stream;
    this.video.hidden = false;
    await this.video.play();
    this.tick();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
    this.video.hidden = true;
  }

  async tick() {
    if (!this.stream) return;
    try {
      await this.scanFrame();
    } catch (err) {
      // one unreadable frame: try the next one
    } finally {
      if (this.stream) this.timer = setTimeout(() => this.tick(), SCAN_EVERY_MS);
    }
  }

  async scanFrame() {
    const { video } = this;
    if (video.readyState < 2 || !video.videoWidth) return;
    const text = await this.decode(video);
    if (!text) return;
    const now = Date.now();
    if (text === this.last.text && now - this.last.at < SAME_CODE_PAUSE_MS) {
      this.last.at = now; // still in front of the camera: scan it again only after it has been away
      return;
    }
    this.last = { text, at: now };
    this.onCode(text);
  }
}
