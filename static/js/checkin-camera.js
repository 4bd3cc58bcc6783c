// Camera scanning with jsQR (global from static/vendor/jsQR.js): rear camera by default.
const SCAN_EVERY_MS = 150;
const SAME_CODE_PAUSE_MS = 3000;

export class Camera {
  constructor(video, canvas, onCode) {
    this.video = video;
    this.canvas = canvas;
    this.onCode = onCode;
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
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
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

  tick() {
    if (!this.stream) return;
    try {
      this.scanFrame();
    } finally {
      this.timer = setTimeout(() => this.tick(), SCAN_EVERY_MS);
    }
  }

  scanFrame() {
    const { video, canvas } = this;
    if (video.readyState < 2 || !video.videoWidth) return;
    const scale = Math.min(1, 800 / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    const image = context.getImageData(0, 0, width, height);
    const code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    if (!code || !code.data) return;
    const now = Date.now();
    if (code.data === this.last.text && now - this.last.at < SAME_CODE_PAUSE_MS) {
      this.last.at = now; // still in front of the camera: scan it again only after it has been away
      return;
    }
    this.last = { text: code.data, at: now };
    this.onCode(code.data);
  }
}
