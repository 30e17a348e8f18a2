/**
 * What a sealed field reads as once its person was erased: values that still pass the event schemas, name nobody, and
 * say what happened. Phones are optional everywhere, so an erased one is left out.
 */
export function erasedValue(field: string, subject: string): string | undefined {
  if (/email$/i.test(field)) return `erased-${subject}@erased.invalid`;
  if (/phone$/i.test(field)) return undefined;
  return `erased user ${subject}`;
}

export const isErasedEmail = (value: string): boolean => value.endsWith('@erased.invalid');
