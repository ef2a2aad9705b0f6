import QRCode from 'qrcode';

/**
 * Options for every ticket's QR code. Error correction "M" (15 %) and the standard quiet zone of
 * four modules: what door scanners and phone cameras read best. The e2e test draws the same code
 * with the same options to check what the page shows.
 */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000ff', light: '#ffffffff' } } as const;

/**
 * The QR code of `text` as an SVG document, drawn by the `qrcode` library (synchronously: its
 * callback form renders at once). `null` if the text cannot be encoded.
 */
export function qrSvg(text: string): string | null {
  let svg: string | null = null;
  try {
    QRCode.toString(text, { ...QR_OPTIONS, type: 'svg' }, (err, s) => {
      if (!err) svg = s;
    });
  } catch {
    return null;
  }
  return svg;
}

/**
 * The QR code as a `data:` URL for an `<img>`: the page's Content-Security-Policy allows images
 * from `data:`, and an image needs no inline style or script.
 */
export function qrDataUrl(text: string): string | null {
  const svg = qrSvg(text);
  return svg ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.trim())}` : null;
}
