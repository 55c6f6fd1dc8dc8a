/** SQLSTATE class 22 (data exception) or 54 (program limit exceeded): the rows, not the server, are at fault. */
export function causedByData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}
