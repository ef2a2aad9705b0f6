import { useEffect, useRef, useState } from 'react';
import './tickets.css';

/** The parts of the Shape Detection API's `BarcodeDetector` used here (not in TypeScript's DOM types yet). */
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options?: { formats?: string[] }): BarcodeDetectorLike;
  getSupportedFormats?(): Promise<string[]>;
}

function detectorClass(): BarcodeDetectorClass | undefined {
  if (typeof window === 'undefined') return undefined;
  const c = (window as unknown as { BarcodeDetector?: unknown }).BarcodeDetector;
  return typeof c === 'function' ? (c as BarcodeDetectorClass) : undefined;
}

/** Whether this browser can read QR codes from a camera: `BarcodeDetector` and `getUserMedia` both there. */
export function cameraScanSupported(): boolean {
  return !!detectorClass() && typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/**
 * Drops repeats: a code held in front of the camera is read many times a second, but is passed on
 * once, and again only after it has been out of sight for `gapMs`.
 */
export class RepeatFilter {
  private last: string | null = null;
  private lastSeen = -Infinity;
  constructor(private readonly gapMs = 3000) {}
  accept(value: string, now: number): boolean {
    const fresh = value !== this.last || now - this.lastSeen > this.gapMs;
    this.last = value;
    this.lastSeen = now;
    return fresh;
  }
}

/** Time between two looks at the camera's picture. */
const SCAN_EVERY_MS = 150;

function cameraError(e: unknown): string {
  const name = e instanceof Error || (e && typeof e === 'object' && 'name' in e) ? (e as { name: string }).name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera may not be used here: allow it in the browser, or type the codes.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Type the codes instead.';
    case 'NotReadableError':
      return 'The camera is in use by another program.';
    default:
      return `The camera could not be started${e instanceof Error && e.message ? `: ${e.message}` : ''}.`;
  }
}

/**
 * "Scan with camera": shows the camera's picture in a <video> and reads QR codes from it with
 * `BarcodeDetector`, handing each new code to `onCode`. Renders nothing where the browser has no
 * `BarcodeDetector` or no camera access (typing the code still works there).
 */
export function CameraScanner({ onCode }: { onCode(code: string): void }) {
  const [state, setState] = useState<'off' | 'starting' | 'on'>('off');
  const [error, setError] = useState<string | null>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const run = useRef(0); // bumped on every start and stop: an older loop stops by itself
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;

  const stop = () => {
    run.current++;
    window.clearTimeout(timer.current);
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
    if (videoRef.current) videoRef.current.srcObject = null;
    setState('off');
  };

  useEffect(() => stop, []);

  if (!cameraScanSupported()) return null;

  const start = async () => {
    const Detector = detectorClass()!;
    const mine = ++run.current;
    setError(null);
    setState('starting');
    try {
      const formats = await Detector.getSupportedFormats?.();
      if (formats && !formats.includes('qr_code')) throw Object.assign(new Error('this browser cannot read QR codes'), { name: 'Unsupported' });
      const media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      if (mine !== run.current) {
        media.getTracks().forEach((t) => t.stop());
        return;
      }
      stream.current = media;
      const video = videoRef.current!;
      video.srcObject = media;
      await video.play();
      setState('on');
      const detector = new Detector({ formats: ['qr_code'] });
      const seen = new RepeatFilter();
      const look = async () => {
        if (mine !== run.current) return;
        try {
          if (video.readyState >= 2) {
            for (const found of await detector.detect(video)) {
              const value = found.rawValue.trim();
              if (mine === run.current && value && seen.accept(value, Date.now())) onCodeRef.current(value);
            }
          }
        } catch {
          /* a frame that could not be read: try the next one */
        }
        if (mine === run.current) timer.current = window.setTimeout(look, SCAN_EVERY_MS);
      };
      look();
    } catch (e) {
      if (mine !== run.current) return;
      stop();
      setError(cameraError(e));
    }
  };

  return (
    <div className="checkin-camera">
      {state === 'off' ? (
        <button type="button" onClick={start}>
          Scan with camera
        </button>
      ) : (
        <button type="button" onClick={stop}>
          Stop camera
        </button>
      )}
      {state !== 'off' && (
        <p className="muted" role="status">
          {state === 'starting' ? 'Starting the camera…' : 'Hold a ticket’s QR code in front of the camera.'}
        </p>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {/* Always in the page (hidden when off), so the stream has somewhere to go the moment it starts. */}
      <video ref={videoRef} muted playsInline hidden={state === 'off'} aria-label="Camera picture" />
    </div>
  );
}
