/** A refusal the CLI reports as one line with its exit code: 2 for bad input or an unknown organization. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function parseInstant(value: string | undefined, option: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime()))
    throw new CliError(
      `${option}: "${value}" is not an ISO-8601 date or instant (e.g. 2026-11-30T12:00:00Z)`,
    );
  return at;
}

export function required(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`${option} is required`);
  return value;
}
