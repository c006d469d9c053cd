/** Argument checks shared by the encoders. Internal to the netlink folder. */

/**
 * Throws a `RangeError` unless `value` is an integer from `min` to `max`.
 *
 * @param action What the caller was doing, such as "encode RTM_GETLINK dump request".
 * @param name Name of the argument or field.
 */
export function checkInteger(
  action: string,
  name: string,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
}

/** Largest value of a u8 field. */
export const U8_MAX = 0xff;
/** Largest value of a u16 field. */
export const U16_MAX = 0xffff;
/** Largest value of a u32 field. */
export const U32_MAX = 0xffff_ffff;
/** Largest value of an s32 field such as `ifi_index`. */
export const S32_MAX = 0x7fff_ffff;
