import type { Prng } from './prng.ts';

/**
 * Small stand-ins for recordings. The server never decodes audio (it stores the decrypted bytes,
 * §3.5), so these only need to look right: a playable WAV, and an MP4 whose boxes parse.
 */

/** RIFF/WAVE, 16-bit mono PCM: a quiet tone with noise. */
export function wavBytes(sampleRate: number, seconds: number, random: Prng): Buffer {
  const samples = Math.max(1, Math.round(sampleRate * seconds));
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // PCM fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples * 2, 40);
  const pitch = random.between(120, 260);
  for (let i = 0; i < samples; i++) {
    const value = 3000 * Math.sin((2 * Math.PI * pitch * i) / sampleRate) + random.normal(0, 300);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(value))), 44 + i * 2);
  }
  return out;
}

/** An `ftyp` box (M4A brand, as Android's MediaRecorder AAC output has) and an `mdat` of payload bytes. */
export function mp4Bytes(bitRate: number, seconds: number, random: Prng): Buffer {
  const ftyp = Buffer.alloc(28);
  ftyp.writeUInt32BE(28, 0);
  ftyp.write('ftypM4A ', 4, 'ascii');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('isomiso2M4A ', 16, 'ascii');
  const payload = random.bytes(Math.max(16, Math.round((bitRate / 8) * seconds)));
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(8 + payload.length, 0);
  mdatHeader.write('mdat', 4, 'ascii');
  return Buffer.concat([ftyp, mdatHeader, payload]);
}
