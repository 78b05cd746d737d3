import React from 'react';
import { encode } from 'uqr';

/**
 * A QR code as SVG (dark modules on white, whatever the theme: phone cameras need the contrast),
 * drawn as one path so it prints sharply at any size.
 */
export function QrCode({ text, size = 160, label }: { text: string; size?: number; label: string }) {
  const { data } = encode(text, { ecc: 'M', border: 2 });
  const n = data.length;
  let path = '';
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    })
  );
  return (
    <svg
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${n} ${n}`}
      shapeRendering="crispEdges"
      data-qr={text}
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
