/** Widening conversions from the storage dtypes of weight files to float32. */

const F16_EXPONENT_BIAS_SHIFT = 112 << 23; // (127 - 15) << 23

/** IEEE half precision to float32, including subnormals, infinities and NaN. */
export function float16ToFloat32(source: Uint16Array): Float32Array {
  const out = new Float32Array(source.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < source.length; i++) {
    const h = source[i] as number;
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: value = mantissa * 2^-24.
      out[i] = (sign ? -1 : 1) * mantissa * 5.960464477539063e-8;
    } else if (exponent === 0x1f) {
      bits[i] = sign | 0x7f800000 | (mantissa << 13);
    } else {
      bits[i] = sign | ((exponent << 23) + F16_EXPONENT_BIAS_SHIFT) | (mantissa << 13);
    }
  }
  return out;
}

/** float32 to IEEE half precision with round-to-nearest-even (used by writers and tests). */
export function float32ToFloat16(source: Float32Array): Uint16Array {
  const out = new Uint16Array(source.length);
  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < source.length; i++) {
    const x = bits[i] as number;
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 127 + 15;
    const mantissa = x & 0x7fffff;
    if (((x >>> 23) & 0xff) === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
    } else if (exponent >= 0x1f) {
      out[i] = sign | 0x7c00;
    } else if (exponent <= 0) {
      if (exponent < -10) {
        out[i] = sign;
      } else {
        const full = mantissa | 0x800000;
        const shift = 14 - exponent;
        const half = full >> shift;
        const rest = full & ((1 << shift) - 1);
        const midpoint = 1 << (shift - 1);
        out[i] = sign | (half + (rest > midpoint || (rest === midpoint && (half & 1)) ? 1 : 0));
      }
    } else {
      const half = (exponent << 10) | (mantissa >> 13);
      const rest = mantissa & 0x1fff;
      out[i] = sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
    }
  }
  return out;
}

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat32(source: Uint16Array): Float32Array {
  const out = new Float32Array(source.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < source.length; i++) bits[i] = (source[i] as number) << 16;
  return out;
}

export function toFloat32(source: ArrayLike<number | bigint>): Float32Array {
  const out = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) out[i] = Number(source[i]);
  return out;
}
